//! What a network address alone tells of where a request came from. There is no location
//! database here: a loopback or local-network address says so, anything else is unknown.

use std::net::IpAddr;

/// The coarse place of `peer`, as shown to an account holder.
pub fn coarse(peer: IpAddr) -> &'static str {
    let peer = match peer {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
        IpAddr::V4(_) => peer,
    };
    match peer {
        _ if peer.is_loopback() => "Loopback",
        IpAddr::V4(v4) if v4.is_private() || v4.is_link_local() => "Local network",
        IpAddr::V6(v6) if v6.is_unique_local() || v6.is_unicast_link_local() => "Local network",
        _ => "Unknown",
    }
}
