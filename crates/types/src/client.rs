//! The client address as the abuse counters see it.

use std::net::IpAddr;

/// The key of a client address for counting failures: an IPv4 address as
/// is (also when mapped in IPv6), an IPv6 address by its /64. One IPv6 host
/// or customer network changes its low 64 bits at will (RFC 4941 privacy
/// addresses), so counting by full address would reset at each change.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}
