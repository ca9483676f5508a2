//! `StatusCode`: a response status, with the canonical reason phrases.

use std::fmt;

/// An HTTP status code (100–999). The associated constants cover the codes a server commonly sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusCode(u16);

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $n:literal, $reason:literal; )*) => {
        impl StatusCode {
            $( $(#[$doc])* pub const $name: StatusCode = StatusCode($n); )*

            /// The canonical reason phrase (RFC 9110), or `""` for a code without one.
            pub fn reason(self) -> &'static str {
                match self.0 {
                    $( $n => $reason, )*
                    _ => "",
                }
            }
        }
    };
}

codes! {
    /// 100 Continue.
    CONTINUE = 100, "Continue";
    /// 101 Switching Protocols.
    SWITCHING_PROTOCOLS = 101, "Switching Protocols";
    /// 200 OK.
    OK = 200, "OK";
    /// 201 Created.
    CREATED = 201, "Created";
    /// 202 Accepted.
    ACCEPTED = 202, "Accepted";
    /// 204 No Content.
    NO_CONTENT = 204, "No Content";
    /// 206 Partial Content.
    PARTIAL_CONTENT = 206, "Partial Content";
    /// 301 Moved Permanently.
    MOVED_PERMANENTLY = 301, "Moved Permanently";
    /// 302 Found.
    FOUND = 302, "Found";
    /// 303 See Other.
    SEE_OTHER = 303, "See Other";
    /// 304 Not Modified.
    NOT_MODIFIED = 304, "Not Modified";
    /// 307 Temporary Redirect.
    TEMPORARY_REDIRECT = 307, "Temporary Redirect";
    /// 308 Permanent Redirect.
    PERMANENT_REDIRECT = 308, "Permanent Redirect";
    /// 400 Bad Request.
    BAD_REQUEST = 400, "Bad Request";
    /// 401 Unauthorized.
    UNAUTHORIZED = 401, "Unauthorized";
    /// 403 Forbidden.
    FORBIDDEN = 403, "Forbidden";
    /// 404 Not Found.
    NOT_FOUND = 404, "Not Found";
    /// 405 Method Not Allowed.
    METHOD_NOT_ALLOWED = 405, "Method Not Allowed";
    /// 408 Request Timeout.
    REQUEST_TIMEOUT = 408, "Request Timeout";
    /// 409 Conflict.
    CONFLICT = 409, "Conflict";
    /// 411 Length Required.
    LENGTH_REQUIRED = 411, "Length Required";
    /// 413 Content Too Large.
    PAYLOAD_TOO_LARGE = 413, "Content Too Large";
    /// 414 URI Too Long.
    URI_TOO_LONG = 414, "URI Too Long";
    /// 415 Unsupported Media Type.
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported Media Type";
    /// 417 Expectation Failed.
    EXPECTATION_FAILED = 417, "Expectation Failed";
    /// 429 Too Many Requests.
    TOO_MANY_REQUESTS = 429, "Too Many Requests";
    /// 431 Request Header Fields Too Large.
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431, "Request Header Fields Too Large";
    /// 500 Internal Server Error.
    INTERNAL_SERVER_ERROR = 500, "Internal Server Error";
    /// 501 Not Implemented.
    NOT_IMPLEMENTED = 501, "Not Implemented";
    /// 502 Bad Gateway.
    BAD_GATEWAY = 502, "Bad Gateway";
    /// 503 Service Unavailable.
    SERVICE_UNAVAILABLE = 503, "Service Unavailable";
    /// 504 Gateway Timeout.
    GATEWAY_TIMEOUT = 504, "Gateway Timeout";
    /// 505 HTTP Version Not Supported.
    HTTP_VERSION_NOT_SUPPORTED = 505, "HTTP Version Not Supported";
}

impl StatusCode {
    /// The status for `code`, if it is in 100..=999.
    pub fn from_u16(code: u16) -> Option<StatusCode> {
        (100..=999).contains(&code).then_some(StatusCode(code))
    }

    /// The numeric code.
    pub fn as_u16(self) -> u16 {
        self.0
    }

    /// `true` for 1xx, 204 and 304: statuses whose responses never carry a body.
    pub fn forbids_body(self) -> bool {
        self.0 < 200 || self.0 == 204 || self.0 == 304
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}
