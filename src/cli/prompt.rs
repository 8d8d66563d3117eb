//! Reading secrets at the CLI edge: from the terminal without echo, or from a
//! file that only its owner can read. Never from argv or the environment,
//! which other local users can read via /proc.
