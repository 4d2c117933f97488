//! Which address a request came from, for per-IP limits and the audit trail. Behind a reverse
//! proxy every request comes from the proxy; only a proxy named in `GONGYI_TRUSTED_PROXIES` may
//! say who the client was (`X-Forwarded-For`), otherwise a client could pick its own address and
//! walk around every per-IP limit.

use std::net::IpAddr;

/// Parses `GONGYI_TRUSTED_PROXIES`: addresses separated by commas or spaces.
pub fn parse_proxies(s: &str) -> Result<Vec<IpAddr>, String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<IpAddr>().map_err(|_| format!("GONGYI_TRUSTED_PROXIES 中的 {x:?} 不是 IP 地址")))
        .collect()
}

/// The client: the peer, unless the peer is a trusted proxy, in which case the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the
/// address it saw; anything further left was written by the client and proves nothing).
pub fn client(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // A garbled hop: stop at the last address we can vouch for.
            Err(_) => break,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_cannot_choose_their_address() {
        assert_eq!(client(ip("10.0.0.9"), &["1.2.3.4"], &[]), ip("10.0.0.9"));
        assert_eq!(client(ip("10.0.0.9"), &["1.2.3.4"], &[ip("10.0.0.1")]), ip("10.0.0.9"));
    }

    #[test]
    fn trusted_proxies_name_the_client() {
        let proxy = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client(ip("10.0.0.1"), &["203.0.113.7"], &proxy), ip("203.0.113.7"));
        // A client-written first hop is ignored: the proxy appended the real peer last.
        assert_eq!(client(ip("10.0.0.1"), &["6.6.6.6, 203.0.113.7"], &proxy), ip("203.0.113.7"));
        // Two proxies in a row; the header may come split over several lines.
        assert_eq!(client(ip("10.0.0.1"), &["203.0.113.7", "10.0.0.2"], &proxy), ip("203.0.113.7"));
        assert_eq!(client(ip("10.0.0.1"), &[], &proxy), ip("10.0.0.1"));
        assert_eq!(client(ip("10.0.0.1"), &["garbage"], &proxy), ip("10.0.0.1"));
        assert_eq!(client(ip("10.0.0.1"), &["2001:db8::1"], &proxy), ip("2001:db8::1"));
    }

    #[test]
    fn proxies_parse_or_fail_clearly() {
        assert!(parse_proxies(" , ").unwrap().is_empty());
        assert_eq!(parse_proxies("127.0.0.1, ::1").unwrap(), vec![ip("127.0.0.1"), ip("::1")]);
        assert!(parse_proxies("10.0.0.0/8").unwrap_err().contains("10.0.0.0/8"));
    }
}
