//! A small fuzzy scorer for the symbol search: the query must appear in the
//! candidate as a subsequence (letters in order, gaps allowed, any case), and
//! the score says how well. A match at the start, letters that run on without
//! a gap, and a short candidate score higher, so `eth` ranks `ETHUSDT` above
//! `SETHUSDT` and `BTC` above `WBTCUSDT`. Thirty lines instead of a crate:
//! symbols are short ASCII names and this is all the search needs.

/// Points per matched letter.
const MATCH: i64 = 16;
/// Extra points for a match on the candidate's first letter.
const START: i64 = 24;
/// Extra points for a letter right after the previous match.
const RUN: i64 = 12;

/// The score of `query` against `candidate`, or `None` when the query's
/// letters do not all appear in order. An empty query matches everything
/// equally (score 0).
pub fn score(query: &str, candidate: &str) -> Option<i64> {
    let candidate = candidate.as_bytes();
    let mut total: i64 = 0;
    let mut from = 0usize;
    let mut last: Option<usize> = None;
    for q in query.bytes().map(|b| b.to_ascii_lowercase()) {
        let offset = candidate.get(from..)?.iter().position(|c| c.to_ascii_lowercase() == q)?;
        let at = from + offset;
        total += MATCH;
        if at == 0 {
            total += START;
        }
        match last {
            Some(prev) if prev + 1 == at => total += RUN,
            // A gap costs one point per letter skipped.
            _ => total -= i64::try_from(at - last.map_or(0, |p| p + 1)).unwrap_or(i64::MAX / 2),
        }
        last = Some(at);
        from = at + 1;
    }
    if query.is_empty() {
        return Some(0);
    }
    // Shorter candidates first among equal matches: less left unexplained.
    Some(total - i64::try_from(candidate.len()).unwrap_or(i64::MAX / 2))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::score;

    #[test]
    fn letters_must_appear_in_order() {
        assert!(score("eth", "ETHUSDT").is_some());
        assert!(score("etu", "ETHUSDT").is_some());
        assert_eq!(score("hte", "ETHUSDT"), None);
        assert_eq!(score("ethx", "ETHUSDT"), None);
        assert_eq!(score("", "ETHUSDT"), Some(0));
    }

    #[test]
    fn case_does_not_matter() {
        assert_eq!(score("eth", "ETHUSDT"), score("ETH", "ethusdt"));
    }

    #[test]
    fn a_prefix_beats_the_same_letters_later() {
        let prefix = score("eth", "ETHUSDT").unwrap();
        assert!(prefix > score("eth", "SETHUSDT").unwrap());
        assert!(prefix > score("eth", "BETHUSDT").unwrap());
        assert!(score("btc", "BTCUSDT").unwrap() > score("btc", "WBTCUSDT").unwrap());
    }

    #[test]
    fn a_run_beats_scattered_letters() {
        // "sol" runs in SOLUSDT; in SXOXLUSDT it is scattered.
        assert!(score("sol", "SOLUSDT").unwrap() > score("sol", "SXOXLUSDT").unwrap());
        assert!(score("usdt", "ETHUSDT").unwrap() > score("usdt", "ETHUXSXDXT").unwrap());
    }

    #[test]
    fn among_equal_matches_the_shorter_name_wins() {
        assert!(score("eth", "ETHBTC").unwrap() > score("eth", "ETHUSDT").unwrap());
    }
}
