//! `flipflop`: train, evaluate, export, analyse and benchmark Flip-Flop Lab networks.
//!
//! Every command prints JSON on stdout (progress goes to stderr), so scripts and our own
//! checks can read the results. Bad arguments give a one-line error naming the argument and
//! its allowed range, and exit code 2; a command that fails (I/O, bad file, divergence) exits 1.

mod args;
mod bench;
mod compare;
mod import;
mod inspect;
mod link;
mod predict;
mod sweep;
mod train;

use args::{usage, CliError};
use flipflop_formats::netfile::{self, NetFile};
use std::path::Path;

const HELP: &str = "\
flipflop: train, evaluate, export, analyse and benchmark Flip-Flop Lab networks

USAGE:
  flipflop train [--preset default|paper|dale | --cell vanilla|gru|lstm] [--seed S] [--hidden N]
                 [--bits B] [--lr LR]
                 [--batch B] [--clip C] [--trial-len T] [--readout-fit K] [--ema-momentum M]
                 [--threads T] [--shares K]
                 [--task flipflop|perceptual-dm|context-dm|parametric-wm|match-two-items
                  [--coherences C1,C2,..] [--stimulus-ms MS] [--noise-sd SD]
                  [--delay-min-ms MS] [--delay-max-ms MS] [--delay-ms MS]]
                 [--dale F [--dale-readout] [--dale-inputs]] [--density P [--mask-seed S]]
                 [--no-autapses]
                 [--steps K | --until-solved [--max-seconds T]] [--eval-every E] --out NET
  flipflop eval NET [--seed S] [--trials K]
  flipflop export NET [--npz FILE] [--json FILE]
  flipflop analyze NET [--fixed-points [--starts S] [--slow-q Q] [--settle-steps K]]
  flipflop bench [--reps R] [--warmup W]
  flipflop link NET [--kind exact|compact|recipe] [--base URL] [--plain]
  flipflop open LINK [--out NET] [--train]
  flipflop import FILE --out NET
  flipflop predict NET --inputs X.npy --out Y.npy
  flipflop compare NET1 NET2 ... [--json] [--starts S] [--settle-steps K]
  flipflop sweep --grid KEY=V1,V2,.. [--grid ..] --seeds A..B --out DIR
                 [--steps K | --until-solved [--max-seconds T]] [--eval-every E]
                 [--jobs J | --only-index I | --slurm [--partition P] [--time T] [--mem M]
                  [--cpus C] [--max-parallel M] [--sbatch-arg ARG] [--bin PATH] [--dry-run]]
  flipflop sweep --collect DIR
  flipflop summary DIR
  flipflop help | --help | --version

Every command prints JSON on stdout; train shows its progress on stderr.

train    Trains from a preset (default: 'default') and writes the network file NET.
         --cell gru|lstm starts from that cell's preset (Keras' GRU/LSTM equations);
         --cell vanilla is the default preset.
         --steps K       train exactly K steps (1..=10000000; default: the preset's max_steps)
         --until-solved  stop as soon as a held-out check is solved (bit accuracy >= 99 %,
                         MSE <= 0.05) and confirmed: a check that passes is repeated on
                         4 x val_trials fresh trials (a stream used neither for training nor
                         for the check), which must pass too (the flip-flop's with MSE <=
                         0.048); checks run every E steps (--eval-every, default 25). The
                         JSON's 'confirm' holds the confirmation of the saved weights (null
                         when not run).
         --max-seconds T stop after T seconds of training (0.001..=10000000)
         --hidden, --bits, --lr, --batch, --clip (0 = off), --trial-len (time steps of
         each training trial, 0 = full) override the preset; ranges are checked like the
         lab's controls. (--train-steps is the old name of --trial-len, still accepted.)
         --readout-fit K refit the readout (W_out, b_out) to the hidden states by least
                         squares every K steps (0..=1000000; 0 = never, BPTT alone; the
                         default preset: 50, the paper's and the cells' presets: 0).
         --ema-momentum M the network is the moving average of the weights, updated
                         after every step with momentum M (0..=0.9999; 0 = off, the
                         weights Adam updates; the default preset: 0.98, the others: 0).
         --threads T     compute each step's gradient in T shares of the batch on T threads
                         (1..=64; default 1); --shares K splits it in K shares (1..=64,
                         default T), which the network file records: a given K trains
                         bit-identically on any number of threads.
         --task T        train task T from its own preset (flags still override it); task
                         options (ms are multiples of the 20 ms time step): perceptual-dm and
                         context-dm --coherences (%), --stimulus-ms, --noise-sd;
                         parametric-wm --delay-min-ms, --delay-max-ms, --noise-sd;
                         match-two-items --delay-ms, --noise-sd. A cognitive task counts as
                         solved at its held-out accuracy threshold (the choice at the last step).
         --dale F        Dale's law with a fraction F of excitatory units (0.01..=0.99; one
                         sign per column of W_rec); without --preset, starts from 'dale'
         --dale-readout  read out from excitatory units only; --dale-inputs: W_in >= 0
         --density P     a fixed random connectivity mask keeping a fraction P (0.01..=1) of
                         W_rec, drawn from --mask-seed S (default: the run's seed)
         --no-autapses   no self-connections (a zero diagonal)
eval     Metrics on K held-out trials (default: the config's val_trials) drawn with seed S
         (default: the network's own seed, i.e. the set used during training): 'accuracy'
         by the task's rule; 'solved' as training decides it: the K trials pass the task's
         rule and so do 4 x K trials of seed S's confirmation stream ('confirm', null when
         the K trials fail; 'held_out_solved': the K trials alone); decision tasks add
         'psychometric' ({coherence, p_right, trials}, with 'context' for context-dm) and
         its logistic 'fit', parametric-wm 'per_pair', match-two-items 'per_condition'
         (K trials per condition).
export   Writes W_in, W_rec, b_rec, W_out, b_out and alpha as float32 .npz (numpy.load) and/or
         JSON (the same plus the full config, seed and steps trained). GRU and LSTM networks
         are written in Keras' names and layout instead (kernel, recurrent_kernel, bias,
         dense_kernel, dense_bias, cell, reset_after, recurrent_activation) for set_weights.
         JSON (the same plus the full config, seed and steps trained). A constrained network's
         npz adds ei (each unit's sign), mask (1 where W_rec may be non-zero) and, with a
         sparse mask, mask_density and mask_seed; import rebuilds the constraints from them.
analyze  Eigenvalues and spectral radius of W_rec (GRU/LSTM: of each gate's recurrent block,
         list 'gates'); top-3 SVD (uncentred, the paper's) and PCA
         (centred) variance fractions of the hidden activity on the cube set.
         --fixed-points  also find fixed and slow points of the autonomous dynamics
                         (list 'fixed_points': state, q, stable, unstable_dims, nearest_memory;
                         an LSTM's state is [h; c], 2N numbers);
                         --starts S starting states (default 128, 1..=2048), --slow-q Q keeps
                         points with q < Q as slow points (default 1e-6), --settle-steps K
                         caps the runs from each memory state whose end points are
                         candidates too (default 20000; 0 = none)
link     Prints a share link for NET (default --kind exact, --base http://127.0.0.1:8080/):
         exact = the file itself (bit-identical), compact = quantised weight deltas (much
         shorter; held-out accuracy within 0.1 pp, spectral radius within 1e-3), recipe =
         config + seed + steps (retrains). --plain prints only the URL.
open     Decodes a link (a URL, '#net=...' or '-' for stdin). Exact and compact links write
         NET (--out); a recipe prints its config, or with --train trains it and writes NET.
import   Writes NET from a Keras model file (.h5 of Keras 1-3 or .keras of Keras 3; SimpleRNN,
         GRU or LSTM + Dense, e.g. the paper's), an npz or a JSON from 'flipflop export'
         (recognised by content).
predict  Runs NET (a network file, a file 'import' reads, e.g. Keras .h5/.keras, or a link;
         any cell) on X.npy (float32 [batch, trial_len, inputs]) from a zero state and
         writes the outputs as Y.npy (float32 [batch, trial_len, outputs]), as Keras'
         model.predict does: the way to check an import against Keras.
compare  Compares 2 to 16 networks (files, importable files or exact/compact links) trained
         on the same task: per pair the Procrustes shape distance and 1 - linear CKA of
         their hidden states on the cube set, with a 2-D MDS map; per network the spectral
         radius, eigenvalues outside the unit circle, fixed points (stable, saddles by number
         of unstable directions), the memories stable points hold and their slowest time
         constants. --json prints 'distances.procrustes', 'distances.cka' (K x K) and
         'networks'; --starts and --settle-steps as for analyze.
sweep    Trains every combination of the grid values x every seed (A..B inclusive, or a
         list A,B,C) with train's code and checks, J runs at a time (--jobs, default: the
         number of cores; one thread each). Grid keys are train options without dashes
         (hidden, lr, batch, clip, trial-len, readout-fit, ema-momentum, steps, cell, task,
         preset, bits, dale, density, mask-seed, no-autapses=true,false, ...; coherences
         lists use '/': 0/12.8/51.2).
         DIR gets sweep.json (grid, seeds, version, command), NAME.net per run (NAME =
         key-value_..._seed-S), runs/NAME.json (steps, wall seconds, measures or error) and
         summary.csv: one row per run with the grid values, seed, status, steps, seconds,
         stopped, solved, held-out accuracy and mse (as eval), spectral_radius,
         outside_unit_circle, stable_fixed_points and saddles (as analyze --fixed-points;
         flip-flop vanilla networks only), file, error. Re-running the same command skips
         finished runs and retries failed ones; a failed run is recorded (exit code 1).
         --only-index I  runs run I only (what each Slurm array task does)
         --slurm         writes DIR/sweep.sbatch, a job array of one task per run
                         (--array=0-(n-1)%M, M = --max-parallel), submits it with sbatch
                         (unless --dry-run) plus a job that collects after it, and prints
                         the job ids; --bin: the flipflop the tasks run (default: this one)
         --collect DIR   (re)builds DIR/summary.csv from what has finished; lists failed and
                         missing runs
summary  The sweep's aggregate per grid point as JSON: runs, finished, failed, missing,
         solved_fraction, median_steps (also of solved runs only), median_accuracy.
bench    Times the reference workload (128 trials x 350 steps, N 100, 3 bits): median
         training step (forward + BPTT + Adam), forward pass and batch generation.
";

fn main() {
    match run() {
        Ok(()) => {}
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.code());
        }
    }
}

fn run() -> Result<(), CliError> {
    let mut p = lexopt::Parser::from_env();
    let cmd = match p.next()? {
        Some(lexopt::Arg::Value(v)) => args::text("command", v)?,
        Some(lexopt::Arg::Long("help")) | Some(lexopt::Arg::Short('h')) => "help".to_string(),
        Some(lexopt::Arg::Long("version")) | Some(lexopt::Arg::Short('V')) => "version".to_string(),
        Some(other) => return Err(other.unexpected().into()),
        None => return Err(usage(
            "missing command: one of train, eval, export, analyze, compare, sweep, summary, bench, link, open, import, predict, help",
        )),
    };
    match cmd.as_str() {
        "train" => train::run(&mut p),
        "eval" => inspect::eval(&mut p),
        "export" => inspect::export(&mut p),
        "analyze" | "analyse" => inspect::analyze(&mut p),
        "bench" => bench::run(&mut p),
        "link" => link::link(&mut p),
        "open" => link::open(&mut p),
        "import" => import::run(&mut p),
        "predict" => predict::run(&mut p),
        "compare" => compare::run(&mut p),
        "sweep" => sweep::run(&mut p),
        "summary" => sweep::summary_command(&mut p),
        "help" => print_text(HELP),
        "version" => print_text(&format!("flipflop {}\n", env!("CARGO_PKG_VERSION"))),
        other => Err(usage(format!(
            "unknown command '{other}': expected one of train, eval, export, analyze, compare, sweep, \
             summary, bench, link, open, import, predict, help"
        ))),
    }
}

/// Prints a JSON value on stdout (pretty, one document per command). A closed pipe (e.g.
/// `| head`) is not an error worth a message.
fn print_json(v: &serde_json::Value) -> Result<(), CliError> {
    use std::io::Write;
    let s = serde_json::to_string_pretty(v)
        .map_err(|e| CliError::Failed(format!("cannot format JSON: {e}")))?;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{s}").and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!("cannot write to stdout: {e}"))),
    }
}

/// Prints plain text on stdout, ignoring a closed pipe.
fn print_text(s: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(format!("cannot write to stdout: {e}")))
        }
        _ => Ok(()),
    }
}

/// Reads and decodes a network file, refusing files larger than any valid one before reading.
fn load_net(path: &Path) -> Result<NetFile, CliError> {
    let fail = |m: String| CliError::Failed(format!("{}: {m}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > netfile::MAX_FILE_BYTES as u64 {
        return Err(fail(format!(
            "{} bytes is larger than any network file ({} bytes at most)",
            meta.len(),
            netfile::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    netfile::decode(&bytes).map_err(|e| fail(e.to_string()))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |m: String| CliError::Failed(format!("cannot write {}: {m}", path.display()));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).map_err(|e| fail(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e.to_string())
    })
}
