//! Broadcasting list-changed notifications to every connected client.
//!
//! Legacy sessions (protocol before 2026-07-28) receive notifications on
//! their session; stateless 2026-07-28 clients open `subscriptions/listen`
//! and receive them on that stream. Both kinds are tracked here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::RoleServer;
use rmcp::service::{Peer, SubscriptionSink};

/// Connected clients that want list-changed notifications.
#[derive(Debug, Default)]
pub struct Notifier {
    peers: Mutex<Vec<Peer<RoleServer>>>,
    sinks: Mutex<HashMap<u64, SubscriptionSink>>,
    next_sink: AtomicU64,
}

impl Notifier {
    /// Remember an initialized legacy session.
    pub fn add_peer(&self, peer: Peer<RoleServer>) {
        let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        peers.retain(|peer| !peer.is_transport_closed());
        peers.push(peer);
    }

    /// Remember a `subscriptions/listen` stream; returns the key to forget it by.
    pub fn add_sink(&self, sink: SubscriptionSink) -> u64 {
        let key = self.next_sink.fetch_add(1, Ordering::Relaxed);
        self.sinks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, sink);
        key
    }

    pub fn remove_sink(&self, key: u64) {
        self.sinks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&key);
    }

    /// Tell every client that a list changed.
    pub async fn broadcast(&self, change: Change) {
        let peers: Vec<_> = {
            let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
            peers.retain(|peer| !peer.is_transport_closed());
            peers.clone()
        };
        for peer in peers {
            let sent = match change {
                Change::Resources => peer.notify_resource_list_changed().await,
                Change::Tools => peer.notify_tool_list_changed().await,
                Change::Prompts => peer.notify_prompt_list_changed().await,
            };
            if let Err(error) = sent {
                tracing::debug!(%error, ?change, "list_changed not delivered");
            }
        }
        let sinks: Vec<_> = self
            .sinks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        for sink in sinks {
            let sent = match change {
                Change::Resources => sink.notify_resource_list_changed().await,
                Change::Tools => sink.notify_tool_list_changed().await,
                Change::Prompts => sink.notify_prompt_list_changed().await,
            };
            if let Err(error) = sent {
                tracing::debug!(%error, ?change, "list_changed not delivered to a subscription");
            }
        }
    }
}

/// Which list changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Resources,
    Tools,
    Prompts,
}
