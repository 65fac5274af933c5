//! Flip-Flop Lab file formats: the versioned network file, share links, import of networks
//! made elsewhere (Keras HDF5, npz, JSON) and export. Bytes in, bytes out: no I/O, no web.
//! Depends on `flipflop-core` for the model and config; the core never depends on this crate.
#![warn(missing_docs)]

pub mod export;
pub mod import;
pub mod link;
pub mod netfile;
pub mod sweep;
