//! One module per subcommand.
pub mod admin;
pub mod audit;
pub mod backup;
pub mod demo;

pub mod denials;
pub mod keys;
pub mod licence;
pub mod lists;
pub mod policy;
pub mod screen;
pub mod serve;
pub mod stats;
