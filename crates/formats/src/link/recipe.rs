//! The recipe body: the steps to train (u64 LE) then the root config as JSON. Opening one
//! trains a network for `steps` optimiser steps, so `steps` is checked against the same range
//! as the step budget of the controls before anything runs.

use super::{config_json, parse_config, Decoded, LinkError, LinkKind};
use crate::netfile;
use flipflop_core::config::Config;

/// The body of a recipe for `steps` steps of `config`.
pub(super) fn encode(config: &Config, steps: u64) -> Vec<u8> {
    let mut b = steps.to_le_bytes().to_vec();
    b.extend_from_slice(&config_json(config));
    b
}

/// Reads a recipe body.
///
/// # Errors
/// [`LinkError::Malformed`] when it ends before the step count; [`LinkError::Config`] naming
/// `steps` and its allowed range (`0..=`[`netfile::MAX_RECIPE_STEPS`]) when the recipe asks
/// for more training than the controls allow; config errors as for every link.
pub(super) fn decode(body: &[u8]) -> Result<Decoded, LinkError> {
    if body.len() < 8 {
        return Err(LinkError::Malformed(
            "the recipe ends before its step count",
        ));
    }
    let mut s = [0u8; 8];
    s.copy_from_slice(&body[..8]);
    let steps = u64::from_le_bytes(s);
    netfile::check_steps("steps", steps, netfile::MAX_RECIPE_STEPS).map_err(LinkError::Config)?;
    let config = parse_config(&body[8..])?;
    Ok(Decoded {
        kind: LinkKind::Recipe,
        config,
        network: None,
        steps,
    })
}
