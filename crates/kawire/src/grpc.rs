//! gRPC's wire vocabulary: the canonical names of status codes and of the health
//! service's serving statuses, as causes and records spell them.

/// The canonical name of a gRPC status code (`NOT_FOUND`), or `code N`.
pub fn status_name(code: i32) -> String {
    let name = match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        other => return format!("code {other}"),
    };
    name.to_string()
}

/// The code a status name stands for; the inverse of [`status_name`].
pub fn status_code(name: &str) -> Option<i32> {
    (0..=16).find(|c| status_name(*c) == name)
}

/// The name of a `grpc.health.v1` serving status (`NOT_SERVING`), or `status N`.
pub fn serving_status_name(status: i32) -> String {
    match status {
        0 => "UNKNOWN".to_string(),
        1 => "SERVING".to_string(),
        2 => "NOT_SERVING".to_string(),
        3 => "SERVICE_UNKNOWN".to_string(),
        other => format!("status {other}"),
    }
}

/// The serving status a name stands for; the inverse of [`serving_status_name`].
pub fn serving_status(name: &str) -> Option<i32> {
    (0..=3).find(|c| serving_status_name(*c) == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_grpc_spec() {
        assert_eq!(status_name(12), "UNIMPLEMENTED");
        assert_eq!(status_name(99), "code 99");
        assert_eq!(serving_status_name(2), "NOT_SERVING");
        assert_eq!(serving_status_name(3), "SERVICE_UNKNOWN");
        assert_eq!(serving_status_name(7), "status 7");
        for code in 0..=16 {
            assert_eq!(status_code(&status_name(code)), Some(code));
        }
        assert_eq!(serving_status("SERVICE_UNKNOWN"), Some(3));
    }
}
