//! One module per subcommand.
pub mod admin;
pub mod lists;
pub mod policy;
pub mod screen;
pub mod serve;
pub mod stats;
