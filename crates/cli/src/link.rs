//! `flipflop link` and `flipflop open`: share links from and to network files, with the same
//! core code as the page (`flipflop_formats::link`).

use crate::args::{self, usage, CliError};
use flipflop_core::Trainer;
use flipflop_formats::link::{
    decode_link, encode_link, kind_of, length_warning, share_url, unopenable, LinkKind,
    MAX_LINK_CHARS,
};
use flipflop_formats::netfile;
use serde_json::json;
use std::path::PathBuf;

/// Where the page is served by `make serve`.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8080/";

/// `flipflop link NET [--kind exact|compact|recipe] [--base URL] [--plain]`: prints the link
/// (JSON with `link`, `kind`, `chars`, and `warning` when the link is longer than chat tools or
/// browsers take; only the URL with `--plain`, the warning then on stderr). A compact link
/// that would be longer than the exact one comes out exact (`kind` says so).
pub fn link(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut net, mut kind, mut base, mut plain) = (
        None::<PathBuf>,
        LinkKind::Exact,
        DEFAULT_BASE.to_string(),
        false,
    );
    while let Some(arg) = p.next()? {
        match arg {
            Long("kind") => {
                let s = args::text("--kind", p.value()?)?;
                kind = LinkKind::parse(&s).ok_or_else(|| {
                    usage(format!(
                        "--kind must be 'exact', 'compact' or 'recipe', got '{s}'"
                    ))
                })?;
            }
            Long("base") => base = args::text("--base", p.value()?)?,
            Long("plain") => plain = true,
            Value(v) if net.is_none() => net = Some(args::path(v)),
            Value(v) => {
                return Err(usage(format!(
                    "unexpected extra argument {v:?}: give one network file"
                )))
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    let path = net.ok_or_else(|| {
        usage("missing NET: 'flipflop link NET' needs a network file written by 'flipflop train'")
    })?;
    let f = crate::load_net(&path)?;
    let fragment = encode_link(kind, &f.config, &f.network, f.steps);
    if let Some(why) = unopenable(&fragment) {
        return Err(CliError::Failed(format!("{}: {why}", path.display())));
    }
    let url = share_url(&base, &fragment);
    // The kind actually made (a compact link falls back to exact where that is shorter).
    let made = kind_of(&fragment).unwrap_or(kind);
    let warning = length_warning(made, url.chars().count()).map(|w| w.to_string());
    if let Some(w) = &warning {
        eprintln!("warning: {w}");
    }
    if plain {
        return crate::print_text(&format!("{url}\n"));
    }
    crate::print_json(&json!({
        "net": path.display().to_string(),
        "kind": made.name(),
        "asked": kind.name(),
        "warning": warning,
        "link": url,
        "chars": url.len(),
        "fragment_chars": fragment.len(),
        "hidden": f.network.config.hidden,
        "steps_trained": f.steps,
    }))
}

/// `flipflop open LINK [--out NET] [--train]`: decodes a link. Exact and compact links write
/// the network file NET; a recipe link prints its config, and with `--train` trains it for the
/// recorded number of steps and writes NET.
pub fn open(p: &mut lexopt::Parser) -> Result<(), CliError> {
    use lexopt::Arg::*;
    let (mut text, mut out, mut train) = (None::<String>, None::<PathBuf>, false);
    while let Some(arg) = p.next()? {
        match arg {
            Long("out") | Short('o') => out = Some(args::path(p.value()?)),
            Long("train") => train = true,
            Value(v) if text.is_none() => text = Some(args::text("LINK", v)?),
            Value(v) => {
                return Err(usage(format!(
                    "unexpected extra argument {v:?}: give one link (quote it in the shell)"
                )))
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    let text = text.ok_or_else(|| usage("missing LINK: 'flipflop open LINK --out NET'"))?;
    // '-' reads the link from stdin (links can be longer than a command line allows).
    let text = if text == "-" {
        use std::io::Read;
        let mut s = String::new();
        std::io::stdin()
            .take(MAX_LINK_CHARS as u64 + 4096)
            .read_to_string(&mut s)
            .map_err(|e| CliError::Failed(format!("cannot read the link from stdin: {e}")))?;
        s
    } else {
        text
    };
    let d = decode_link(&text).map_err(|e| CliError::Failed(e.to_string()))?;
    let kind = d.kind;
    let (config, steps) = (d.config.clone(), d.steps);
    let file = match (d.into_netfile(), train) {
        (Some(f), _) => Some(f),
        (None, false) => None,
        (None, true) => {
            let mut t = Trainer::new(config.clone())
                .map_err(|e| CliError::Failed(format!("the recipe's config is invalid: {e}")))?;
            let target = if steps > 0 {
                steps
            } else {
                config.train.max_steps
            };
            eprintln!("training the recipe for {target} steps ...");
            while t.steps_done() < target {
                t.step().map_err(|e| CliError::Failed(e.to_string()))?;
            }
            Some(netfile::NetFile {
                config: t.config().clone(),
                network: t.network().clone(),
                steps: t.steps_done(),
            })
        }
    };
    match (file, out) {
        (Some(f), Some(out)) => {
            crate::write_atomic(&out, &netfile::encode(&f.config, &f.network, f.steps))?;
            crate::print_json(&json!({
                "kind": kind.name(),
                "out": out.display().to_string(),
                "hidden": f.network.config.hidden,
                "bits": f.network.config.bits,
                "seed": f.config.seed,
                "steps_trained": f.steps,
            }))
        }
        (Some(_), None) => Err(usage(format!(
            "this {} link holds a network: give --out NET to write it",
            kind.name()
        ))),
        (None, _) => {
            eprintln!(
                "this is a recipe link: it holds the config (printed), not weights; run \
                 'flipflop open LINK --train --out NET' to train it ({steps} steps)"
            );
            crate::print_json(&json!({
                "kind": kind.name(),
                "steps_trained": steps,
                "config": config,
            }))
        }
    }
}
