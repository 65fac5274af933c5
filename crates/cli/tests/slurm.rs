//! `flipflop sweep --slurm` on a real single-node Slurm (Debian's `slurm-wlm` with `munge`):
//! the test starts munged, slurmctld and slurmd in a scratch folder with a generated
//! `slurm.conf` (this machine's CPUs and memory, its own ports and munge socket), submits a
//! small sweep as a job array, waits (bounded) for it, collects it and checks every run is in
//! `summary.csv`; the daemons are stopped by their pid files afterwards, also when the test
//! fails. It skips with a visible message where Slurm cannot run (not root, packages
//! missing; `scripts/setup.sh` installs them).

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::{run_json, stderr, Scratch, BIN};

/// A message the test harness does not capture (it captures only the print macros).
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// The full path of `prog` in PATH, /usr/sbin or /sbin.
fn find(prog: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin"])
        .map(|d| Path::new(d).join(prog))
        .find(|p| p.is_file());
    found
}

fn output(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// The daemons started so far (their pid files) and the client environment; dropping it
/// cancels what is left in the queue and stops every daemon, newest first.
struct Cluster {
    conf: PathBuf,
    pid_files: Vec<PathBuf>,
}

impl Cluster {
    fn client(&self, prog: &str) -> Command {
        let mut c = Command::new(find(prog).unwrap_or_else(|| PathBuf::from(prog)));
        c.env("SLURM_CONF", &self.conf);
        c
    }

    /// Jobs still in the queue.
    fn queue(&self) -> String {
        let o = output(self.client("squeue").args(["-h", "-o", "%i %t %j"]));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
}

fn pid_of(file: &Path) -> Option<u32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.split(") ").nth(1).is_some_and(|r| r.starts_with('Z')))
}

/// Sends SIGTERM to `pid`, then SIGKILL if it is still there after 5 s.
fn stop(pid: u32) {
    let _ = Command::new("kill").arg(pid.to_string()).output();
    let t = Instant::now();
    while alive(pid) && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive(pid) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).output();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.pid_files.len() == 3 && !self.queue().is_empty() {
            let _ = self
                .client("scancel")
                .args(["--full", "--user", "root"])
                .output();
            let t = Instant::now();
            while !self.queue().is_empty() && t.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        for f in self.pid_files.iter().rev() {
            if let Some(pid) = pid_of(f) {
                stop(pid);
            }
        }
    }
}

/// Waits up to `limit` for `done`, polling every 200 ms.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    done()
}

fn hostname() -> String {
    let o = output(&mut Command::new("hostname"));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// This machine's memory in MiB, less 1 GiB (at least 512).
fn real_memory_mib() -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib: u64 = info
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(2 << 20);
    (kib / 1024).saturating_sub(1024).max(512)
}

fn slurm_conf(dir: &Path, host: &str, cpus: usize) -> String {
    let d = dir.display();
    // Ports of our own, so that the test does not meet another Slurm on the machine.
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    format!(
        "ClusterName=flipfloptest\n\
         SlurmctldHost={host}\n\
         SlurmctldPort={port}\n\
         SlurmdPort={}\n\
         SlurmUser=root\n\
         SlurmdUser=root\n\
         AuthType=auth/munge\n\
         CredType=cred/munge\n\
         AuthInfo=socket={d}/munge.sock\n\
         StateSaveLocation={d}/state\n\
         SlurmdSpoolDir={d}/spool\n\
         SlurmctldPidFile={d}/slurmctld.pid\n\
         SlurmdPidFile={d}/slurmd.pid\n\
         SlurmctldLogFile={d}/slurmctld.log\n\
         SlurmdLogFile={d}/slurmd.log\n\
         ProctrackType=proctrack/linuxproc\n\
         TaskPlugin=task/none\n\
         JobAcctGatherType=jobacct_gather/none\n\
         AccountingStorageType=accounting_storage/none\n\
         SelectType=select/cons_tres\n\
         SelectTypeParameters=CR_Core\n\
         MpiDefault=none\n\
         ReturnToService=2\n\
         MinJobAge=10\n\
         NodeName={host} CPUs={cpus} RealMemory={} State=UNKNOWN\n\
         PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP\n",
        port + 1,
        real_memory_mib()
    )
}

/// Prints why the test is skipped, unless Slurm can run here.
fn cannot_run() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok();
    let root = uid.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return Some("not root (slurmd and munged need root here)".into());
    }
    let missing: Vec<&str> = [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "squeue",
        "sinfo",
        "scancel",
    ]
    .into_iter()
    .filter(|p| find(p).is_none())
    .collect();
    if !missing.is_empty() {
        return Some(format!(
            "{} not installed (scripts/setup.sh installs slurm-wlm and munge)",
            missing.join(", ")
        ));
    }
    None
}

#[test]
fn a_sweep_runs_as_a_real_slurm_job_array_and_is_collected() {
    if let Some(why) = cannot_run() {
        say(&format!("SKIPPED slurm test: {why}"));
        return;
    }
    let started = Instant::now();
    let scratch = Scratch::new("slurm", "real");
    let dir = scratch.path("");
    let host = hostname();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    for sub in ["state", "spool"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let conf = dir.join("slurm.conf");
    std::fs::write(&conf, slurm_conf(&dir, &host, cpus)).unwrap();
    let mut cluster = Cluster {
        conf: conf.clone(),
        pid_files: Vec::new(),
    };

    // munged with a fresh key and a socket of our own.
    let key = dir.join("munge.key");
    let mut bytes = vec![0u8; 1024];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").unwrap(),
        &mut bytes,
    )
    .unwrap();
    std::fs::write(&key, &bytes).unwrap();
    let read_only = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o400);
    std::fs::set_permissions(&key, read_only).unwrap();
    cluster.pid_files.push(dir.join("munged.pid"));
    let o = output(Command::new(find("munged").unwrap()).args([
        "--force".to_string(),
        format!("--socket={}", dir.join("munge.sock").display()),
        format!("--key-file={}", key.display()),
        format!("--pid-file={}", dir.join("munged.pid").display()),
        format!("--log-file={}", dir.join("munged.log").display()),
        format!("--seed-file={}", dir.join("munged.seed").display()),
    ]));
    assert!(o.status.success(), "munged: {}", stderr(&o));

    // slurmctld and slurmd.
    for (daemon, pid) in [("slurmctld", "slurmctld.pid"), ("slurmd", "slurmd.pid")] {
        cluster.pid_files.push(dir.join(pid));
        let o = output(
            Command::new(find(daemon).unwrap())
                .env("SLURM_CONF", &conf)
                .args(["-f", conf.to_str().unwrap()]),
        );
        assert!(o.status.success(), "{daemon}: {}", stderr(&o));
        assert!(
            wait_for(Duration::from_secs(10), || pid_of(&dir.join(pid)).is_some()),
            "{daemon} wrote no pid file"
        );
    }
    let idle = wait_for(Duration::from_secs(20), || {
        let o = output(cluster.client("sinfo").args(["-h", "-o", "%t"]));
        String::from_utf8_lossy(&o.stdout).trim() == "idle"
    });
    assert!(
        idle,
        "the node never became idle; slurmctld.log:\n{}",
        std::fs::read_to_string(dir.join("slurmctld.log")).unwrap_or_default()
    );

    // The sweep: 2 × 2 = 4 array tasks.
    let out = dir.join("sweep");
    let o = output(
        Command::new(BIN)
            .env("SLURM_CONF", &conf)
            .args([
                "sweep",
                "--grid",
                "hidden=4,5",
                "--seeds",
                "1..2",
                "--steps",
                "3",
                "--out",
            ])
            .arg(&out)
            .args(["--slurm", "--time", "5", "--mem", "256M"]),
    );
    assert!(o.status.success(), "sweep --slurm: {}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["runs"], 4);
    let id = j["job_id"].as_str().expect("a job id").to_string();
    assert!(j["collect_job_id"].as_str().is_some());

    let finished = wait_for(Duration::from_secs(45), || cluster.queue().is_empty());
    assert!(
        finished,
        "jobs still queued after 45 s: {}",
        cluster.queue()
    );

    let c = run_json(&["sweep", "--collect", out.to_str().unwrap()]);
    assert_eq!(c["finished"], 4, "{c}");
    assert_eq!(c["missing"].as_array().unwrap().len(), 0);
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    for (i, name) in [
        "hidden-4_seed-1",
        "hidden-4_seed-2",
        "hidden-5_seed-1",
        "hidden-5_seed-2",
    ]
    .iter()
    .enumerate()
    {
        assert!(rows[i].starts_with(&format!("{i},{name},")), "{}", rows[i]);
        assert!(rows[i].contains(",ok,3,"), "{}", rows[i]);
        // Each array task wrote its log under DIR/slurm, named by the array job and index.
        assert!(
            out.join(format!("slurm/{id}_{i}.out")).is_file(),
            "no log of task {i}"
        );
    }
    // The collect job ran after the array.
    let logs: Vec<_> = std::fs::read_dir(out.join("slurm"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("collect-"))
        .collect();
    assert_eq!(logs.len(), 1, "the collect job left no log");
    drop(cluster);
    say(&format!(
        "slurm test: 4-task array collected, {:.1} s with daemon start and stop",
        started.elapsed().as_secs_f64()
    ));
}
