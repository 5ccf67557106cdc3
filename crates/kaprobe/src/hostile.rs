//! Property tests: arbitrary input to the parsers of outside input (targets,
//! durations, templates) never panics and is answered quickly.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use crate::target::Target;
use crate::template::Template;

fn quick<T>(what: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = what();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    out
}

proptest! {
    #[test]
    fn targets_parse_or_fail_without_panicking(s in ".{0,200}") {
        quick(|| { let _ = s.parse::<Target>(); });
    }

    #[test]
    fn url_like_targets_parse_or_fail(scheme in "(tcp|ws|wss|grpc|grpcs|http|)", rest in "[a-z0-9.:@/?=&%\\[\\]-]{0,80}") {
        let s = format!("{scheme}://{rest}");
        quick(|| {
            if let Ok(t) = s.parse::<Target>() {
                // What parses prints (secrets redacted) as a target that parses
                // and prints the same.
                let shown = t.to_string();
                let again = shown.parse::<Target>().map(|t| t.to_string()).ok();
                prop_assert_eq!(again, Some(shown));
            }
            Ok(())
        })?;
    }

    #[test]
    fn durations_parse_or_fail_within_the_cap(s in "[0-9a-z .]{0,40}") {
        quick(|| {
            if let Ok(d) = crate::parse_duration(&s) {
                prop_assert!(d <= crate::MAX_DURATION);
            }
            Ok(())
        })?;
    }

    #[test]
    fn templates_match_any_reply_quickly(pattern in "[{}a-z_0-9]{0,30}", reply in "[0-9a-z{}]{0,2000}", seq in any::<u64>()) {
        if let Ok(t) = Template::new(&pattern) {
            quick(|| { let _ = t.matches(seq, &reply); let _ = t.render(seq); });
        }
    }
}
