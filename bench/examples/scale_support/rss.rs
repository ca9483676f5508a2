//! The resident set size of the running process, for the scale programs.
//!
//! Include with `#[path = "scale_support/rss.rs"] mod rss;`.

/// Resident set of this process in bytes: `Rss` of `/proc/self/smaps_rollup` (exact), else
/// `VmRSS` of `/proc/self/status`; `None` when neither can be read.
pub fn self_bytes() -> Option<u64> {
    for (file, key) in [
        ("/proc/self/smaps_rollup", "Rss:"),
        ("/proc/self/status", "VmRSS:"),
    ] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let kb = text
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(kb) = kb {
            return Some(kb * 1024);
        }
    }
    None
}
