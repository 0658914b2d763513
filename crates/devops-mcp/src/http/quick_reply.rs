//! One write for a quick answer to a `POST /mcp`.
//!
//! rmcp answers every request on a session with an event stream: a priming
//! event (the event ID a client resumes from), then the JSON-RPC response,
//! then the end of the stream. Each arrives a moment after the previous one,
//! so hyper sends three chunks, and a kept-alive client wakes up three times
//! per call. Most calls finish within microseconds, so the stream is held back
//! briefly: when it ends in time, the whole reply goes out as one body with a
//! `Content-Length`. A longer call streams as before once the hold is over;
//! its progress and log events are only delayed by the hold.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use futures::StreamExt;

/// How long an event stream is held back in the hope that it ends.
const HOLD: Duration = Duration::from_millis(20);

/// `response`, with its event stream sent in one piece when it ends within
/// [`HOLD`]; any other response unchanged.
pub(super) async fn coalesce(response: Response) -> Response {
    if !is_event_stream(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let mut stream = body.into_data_stream();
    let mut held = Vec::new();
    let hold = tokio::time::sleep(HOLD);
    tokio::pin!(hold);
    loop {
        tokio::select! {
            biased;
            chunk = stream.next() => match chunk {
                Some(Ok(bytes)) => held.extend_from_slice(&bytes),
                Some(Err(error)) => {
                    // Send what came before the error, then fail the body.
                    let rest = futures::stream::iter([Ok(Bytes::from(held)), Err(error)]);
                    return Response::from_parts(parts, Body::from_stream(rest));
                }
                None => return Response::from_parts(parts, Body::from(held)),
            },
            () = &mut hold => {
                let first = futures::stream::iter([Ok::<_, axum::Error>(Bytes::from(held))]);
                return Response::from_parts(parts, Body::from_stream(first.chain(stream)));
            }
        }
    }
}

fn is_event_stream(response: &Response) -> bool {
    response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::HttpBody as _;
    use axum::body::to_bytes;
    use axum::http::HeaderValue;

    fn event_stream(body: Body) -> Response {
        let mut response = Response::new(body);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        response
    }

    fn events(chunks: Vec<&'static str>) -> Body {
        Body::from_stream(futures::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk))),
        ))
    }

    #[tokio::test]
    async fn a_stream_that_ends_in_time_becomes_one_body_of_known_length() {
        let reply = coalesce(event_stream(events(vec![
            "id: 0\nretry: 3000\ndata:\n\n",
            "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n",
        ])))
        .await;
        let length = reply.body().size_hint().exact();
        let text = to_bytes(reply.into_body(), usize::MAX).await.unwrap();
        assert_eq!(length, Some(text.len() as u64));
        assert_eq!(
            text,
            "id: 0\nretry: 3000\ndata:\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
        );
    }

    #[tokio::test]
    async fn a_stream_still_open_after_the_hold_streams_on() {
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
        sender
            .send(Ok(Bytes::from_static(b"id: 0\nretry: 3000\ndata:\n\n")))
            .await
            .unwrap();
        let body = Body::from_stream(tokio_stream_from(receiver));
        let reply = coalesce(event_stream(body)).await;
        assert_eq!(reply.body().size_hint().exact(), None, "still streaming");
        let mut stream = reply.into_body().into_data_stream();
        assert_eq!(
            stream.next().await.unwrap().unwrap(),
            "id: 0\nretry: 3000\ndata:\n\n",
            "what came during the hold is sent when it is over"
        );
        sender
            .send(Ok(Bytes::from_static(b"data: {}\n\n")))
            .await
            .unwrap();
        drop(sender);
        assert_eq!(stream.next().await.unwrap().unwrap(), "data: {}\n\n");
        assert!(stream.next().await.is_none());
    }

    #[tokio::test]
    async fn other_responses_are_left_alone() {
        let reply = coalesce(Response::new(events(vec!["a", "b"]))).await;
        assert_eq!(reply.body().size_hint().exact(), None);
    }

    fn tokio_stream_from<T: Send + 'static>(
        mut receiver: tokio::sync::mpsc::Receiver<T>,
    ) -> impl futures::Stream<Item = T> {
        futures::stream::poll_fn(move |context| receiver.poll_recv(context))
    }
}
