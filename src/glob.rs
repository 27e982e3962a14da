//! Path globs, the one matcher of fault rules (`match.path`) and journal filters
//! (`GET /_sim/requests?path=`): `*` is one segment, `**` any number of segments (none
//! included); other segments are literal.
//!
//! Matching runs the pattern as a set of positions (an NFA) over the path's segments, so
//! it costs at most (path segments × pattern segments) steps for any number of `**`; the
//! backtracking matcher it replaces took exponential time on a few `**` and a long path.
//! Patterns are split the way paths are: `trim_matches('/')`, then on `/`, empty segments
//! kept.
//!
//! May touch: nothing else in the crate.

/// The longest pattern accepted, in segments (a fault rule or filter with more is refused
/// where it is given, so that a match never costs more than this per path segment).
pub const MAX_SEGMENTS: usize = 64;

/// `path` split as patterns are split.
pub fn segments(path: &str) -> Vec<&str> {
    let path = path.trim_matches('/');
    let mut segs = Vec::with_capacity(16);
    let mut start = 0;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' {
            segs.push(&path[start..i]);
            start = i + 1;
        }
    }
    segs.push(&path[start..]);
    segs
}

/// Whether `pattern` (a glob) matches `path`, segment by segment.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    matches_segments(&segments(pattern), &segments(path))
}

/// The matcher over split segments. Position `i` active means "the first `i` pattern
/// segments matched the path so far"; a `**` at `i` keeps `i` active on any segment and
/// lets `i + 1` be active without consuming one.
pub fn matches_segments(pat: &[&str], segs: &[&str]) -> bool {
    let m = pat.len();
    let mut active = vec![false; m + 1];
    let mut next = vec![false; m + 1];
    active[0] = true;
    close(pat, &mut active);
    for seg in segs {
        next.iter_mut().for_each(|n| *n = false);
        let mut any = false;
        for i in 0..m {
            if !active[i] {
                continue;
            }
            match pat[i] {
                "**" => next[i] = true,
                "*" => next[i + 1] = true,
                lit if lit == *seg => next[i + 1] = true,
                _ => continue,
            }
            any = true;
        }
        if !any {
            return false;
        }
        close(pat, &mut next);
        std::mem::swap(&mut active, &mut next);
    }
    active[m]
}

/// A `**` may match no segment: whoever reaches it also reaches the position after it.
fn close(pat: &[&str], active: &mut [bool]) {
    for i in 0..pat.len() {
        if active[i] && pat[i] == "**" {
            active[i + 1] = true;
        }
    }
}

/// The journal filter's reading: a glob when the pattern has a `*`; otherwise a segment
/// prefix (`/v1/organizations` matches `/v1/organizations/x`, not `/v1/org`).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.contains('*') {
        return glob_matches(pattern, path);
    }
    let pat = segments(pattern);
    let segs = segments(path);
    segs.len() >= pat.len() && pat.iter().zip(&segs).all(|(a, b)| a == b)
}

/// Why a pattern cannot be used: too many segments.
pub fn check(pattern: &str) -> Result<(), String> {
    let n = segments(pattern).len();
    if n > MAX_SEGMENTS {
        return Err(format!("path pattern has {n} segments (at most {MAX_SEGMENTS})"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The backtracking matcher this replaces, as the reference.
    fn reference(pat: &[&str], segs: &[&str]) -> bool {
        match pat.split_first() {
            None => segs.is_empty(),
            Some((&"**", rest)) => (0..=segs.len()).any(|i| reference(rest, &segs[i..])),
            Some((p, rest)) => match segs.split_first() {
                Some((s, srest)) => (*p == "*" || p == s) && reference(rest, srest),
                None => false,
            },
        }
    }

    #[test]
    fn globs_match_as_the_backtracking_reference_does() {
        let patterns = [
            "/v1/**",
            "/v1/**/services/*",
            "/**",
            "/**/x",
            "/**/**/x",
            "/a/**/b/*",
            "/**/",
            "/x/**/**",
            "/*",
            "/*/*",
            "/a/*/b",
            "/a/**",
            "/**/a/**/b/**",
            "",
        ];
        let paths = [
            "/v1/organizations/o/services/s",
            "/v1",
            "/",
            "",
            "/x",
            "/a/b",
            "/a/x/b/c",
            "/a/b/b/c",
            "/x/y/x",
            "/a//b",
            "/v1/services/s",
        ];
        for p in patterns {
            for path in paths {
                assert_eq!(
                    glob_matches(p, path),
                    reference(&segments(p), &segments(path)),
                    "pattern {p:?} path {path:?}"
                );
            }
        }
    }

    #[test]
    fn many_double_stars_on_a_long_path_take_linear_time() {
        // Exponential for the reference: 30 `**` before a literal that never comes.
        let pattern = format!("{}/never", "/**".repeat(30));
        let path = "/a".repeat(10_000);
        assert!(!glob_matches(&pattern, &path));
        assert!(glob_matches(&format!("{}/a", "/**".repeat(30)), &path));
    }

    #[test]
    fn a_plain_journal_filter_is_a_segment_prefix() {
        assert!(path_matches("/v1/organizations/*/services", "/v1/organizations/x/services"));
        assert!(!path_matches("/v1/organizations/*/services", "/v1/organizations/x/services/y"));
        assert!(path_matches("/v1/**", "/v1/organizations/x/services/y"));
        assert!(path_matches("/v1/organizations", "/v1/organizations/x"));
        assert!(!path_matches("/v1/org", "/v1/organizations"));
    }

    #[test]
    fn patterns_longer_than_the_limit_are_refused() {
        assert!(check(&"/a".repeat(MAX_SEGMENTS)).is_ok());
        assert!(check(&"/a".repeat(MAX_SEGMENTS + 1)).is_err());
    }
}
