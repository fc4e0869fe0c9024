//! Scripted faults: what a bad day looks like, queued by a test for the next matching request.

use std::time::Duration;

/// One misbehaviour of the server or the network.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status and a documented error body for it: 429 `APIGW.0308` (gateway
    /// body), 500 `DCS.5000`, 503 `APIGW.0201` (gateway body), others a generic DCS body.
    /// `retry_after` is sent as the `Retry-After` header when set.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` header value, verbatim.
        retry_after: Option<String>,
    },
    /// A load balancer's HTML 502 page.
    Html502,
    /// Reset the connection before any response byte.
    ResetBeforeHeaders,
    /// Send the head and part of a JSON error body of this status, then reset.
    ResetMidBody {
        /// HTTP status of the head.
        status: u16,
    },
    /// Wait this long before processing the request normally.
    DelayBeforeHeaders(Duration),
    /// Send the head and part of the body of this status, then stall (never finish).
    StallMidBody {
        /// HTTP status of the head.
        status: u16,
    },
    /// A body of this many bytes (`Content-Length` set), status as given.
    Oversize {
        /// HTTP status.
        status: u16,
        /// Body length in bytes.
        bytes: usize,
    },
    /// A chunked body that never ends, status as given.
    EndlessChunked {
        /// HTTP status.
        status: u16,
    },
    /// A body that is not valid UTF-8.
    InvalidUtf8 {
        /// HTTP status.
        status: u16,
    },
    /// A JSON error body cut off in the middle.
    TruncatedJson {
        /// HTTP status.
        status: u16,
    },
    /// A DCS-shaped error body whose fields exceed the documented limits.
    OverLimitFields {
        /// HTTP status.
        status: u16,
    },
    /// JSON of the wrong types (`error_code` a number, `error_msg` an object).
    WrongTypes {
        /// HTTP status.
        status: u16,
    },
    /// An error answer whose message echoes every request header verbatim (as a debugging
    /// gateway might), security token and Authorization included.
    EchoRequestHeaders {
        /// HTTP status.
        status: u16,
    },
    /// A redirect to another location.
    Redirect {
        /// The `Location` header.
        location: String,
    },
}

/// A fault with the conditions of its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedFault {
    pub(crate) fault: Fault,
    pub(crate) path_prefix: Option<String>,
    pub(crate) operation: Option<String>,
    pub(crate) apply_first: bool,
}

impl ScriptedFault {
    /// The fault fires on the next request, which is not processed.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            path_prefix: None,
            operation: None,
            apply_first: false,
        }
    }

    /// Only a request whose path starts with `prefix` takes this fault.
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only a request routed to operation `name` (e.g. `"DeleteCenterTask"`) takes this fault.
    pub fn on_operation(mut self, name: impl Into<String>) -> Self {
        self.operation = Some(name.into());
        self
    }

    /// Process the request for real first (e.g. delete the task), then misbehave: the client
    /// cannot know its request was applied.
    pub fn after_applying(mut self) -> Self {
        self.apply_first = true;
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }
}

impl From<Fault> for ScriptedFault {
    fn from(f: Fault) -> Self {
        Self::new(f)
    }
}
