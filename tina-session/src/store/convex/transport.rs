//! The client boundary of the Convex store: call a function by name with JSON arguments,
//! get JSON back ([`ConvexTransport`]); the real client ([`ClientTransport`], the `convex`
//! crate's WebSocket client); and the conversion between plain JSON and Convex values
//! (integers as `Int64` both ways).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

/// Whether a function reads (query) or writes (mutation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Query,
    Mutation,
}

/// Why a call through a [`ConvexTransport`] failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The function threw a `ConvexError`: its message and data payload (plain JSON).
    #[error("{message}")]
    Application { message: String, data: Value },
    /// The function failed otherwise (argument validation, a bug): the deployment's text.
    #[error("{0}")]
    Function(String),
    /// The deployment could not be reached or answered with something unreadable.
    #[error("{0}")]
    Transport(String),
}

/// A boxed future of one call's outcome.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, CallError>> + Send + 'a>>;

/// The client boundary: call a function by name with JSON arguments, get JSON back.
///
/// JSON integers are Convex `Int64` on the wire, in both directions.
pub trait ConvexTransport: Send + Sync {
    /// Where calls go, for `Store::describe` and error messages.
    fn describe(&self) -> String;
    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a>;
}

/// Encodes JSON arguments as Convex values: integers as `Int64`, other numbers as
/// `Float64`. An argument object is required by Convex.
pub fn encode_args(args: Value) -> std::result::Result<BTreeMap<String, convex::Value>, String> {
    match to_convex(args)? {
        convex::Value::Object(map) => Ok(map),
        other => Err(format!(
            "function arguments must be an object, not {other:?}"
        )),
    }
}

/// Converts plain JSON into a Convex value (integers as `Int64`).
pub fn to_convex(v: Value) -> std::result::Result<convex::Value, String> {
    Ok(match v {
        Value::Null => convex::Value::Null,
        Value::Bool(b) => convex::Value::Boolean(b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => convex::Value::Int64(i),
            (None, _) if n.is_u64() => return Err(format!("integer {n} does not fit an Int64")),
            (None, Some(f)) => convex::Value::Float64(f),
            (None, None) => return Err(format!("number {n} is not representable")),
        },
        Value::String(s) => convex::Value::String(s),
        Value::Array(items) => convex::Value::Array(
            items
                .into_iter()
                .map(to_convex)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Value::Object(map) => convex::Value::Object(
            map.into_iter()
                .map(|(k, v)| Ok((k, to_convex(v)?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// Converts a Convex value into plain JSON (`Int64` as a JSON integer).
pub fn from_convex(v: convex::Value) -> Value {
    match v {
        convex::Value::Null => Value::Null,
        convex::Value::Int64(i) => Value::from(i),
        convex::Value::Float64(f) => Value::from(f),
        convex::Value::Boolean(b) => Value::Bool(b),
        convex::Value::String(s) => Value::String(s),
        bytes @ convex::Value::Bytes(_) => Value::from(bytes),
        convex::Value::Array(items) => Value::Array(items.into_iter().map(from_convex).collect()),
        convex::Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, from_convex(v))).collect())
        }
    }
}

/// The real transport: the `convex` crate's client, connected to one deployment.
pub struct ClientTransport {
    url: String,
    client: convex::ConvexClient,
}

impl ClientTransport {
    /// Opens the client. It connects in the background; calls wait for the connection.
    pub async fn connect(url: &str) -> std::result::Result<Self, CallError> {
        let client = convex::ConvexClient::new(url).await.map_err(|e| {
            CallError::Transport(format!("cannot open a Convex client for {url}: {e:#}"))
        })?;
        Ok(Self {
            url: url.to_owned(),
            client,
        })
    }
}

impl ConvexTransport for ClientTransport {
    fn describe(&self) -> String {
        format!("convex:{}", self.url)
    }

    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a> {
        Box::pin(async move {
            let args = encode_args(args).map_err(CallError::Function)?;
            // `ConvexClient` calls take `&mut self`; a clone shares the one connection.
            let mut client = self.client.clone();
            let result = match kind {
                FunctionKind::Query => client.query(name, args).await,
                FunctionKind::Mutation => client.mutation(name, args).await,
            }
            .map_err(|e| CallError::Transport(format!("{e:#}")))?;
            match result {
                convex::FunctionResult::Value(v) => Ok(from_convex(v)),
                convex::FunctionResult::ErrorMessage(m) => Err(CallError::Function(m)),
                convex::FunctionResult::ConvexError(e) => Err(CallError::Application {
                    message: e.message,
                    data: from_convex(e.data),
                }),
            }
        })
    }
}
