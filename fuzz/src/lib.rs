//! The fuzz targets' bodies; see [`harness`].

pub mod harness;
