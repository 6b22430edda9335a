//! The `apivolve` command.

fn main() {}
