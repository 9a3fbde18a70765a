//! Helpers shared by the binary's integration tests.

use std::net::TcpListener;

/// Standard ports of every service (docs/design.md); the demo binds each plus an offset.
const PORTS: [u16; 9] = [25, 80, 110, 143, 443, 465, 587, 993, 995];

/// An offset whose nine ports are all free right now. Tests run in
/// parallel processes, so offsets are drawn at random and checked by
/// binding, rather than derived from the pid.
pub fn free_offset() -> u16 {
    let mut seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Below Linux's ephemeral range (32768 and up), so an outgoing
        // connection of another test cannot take a port between this check
        // and the demo's bind: 20000..31000, plus ports up to 995.
        let offset = 20000 + ((seed >> 33) % 1100) as u16 * 10;
        let held: Vec<_> = PORTS
            .iter()
            .filter_map(|p| TcpListener::bind(("127.0.0.1", p + offset)).ok())
            .collect();
        if held.len() == PORTS.len() {
            return offset;
        }
    }
    panic!("no free port block found");
}
