import Foundation
import ReviewProtocol
import ReviewRules
import CurlClient
import ReviewStore

/// What the routes work with: the store, the rules and the calendar loaded from Config, and
/// today's date. Built once at start-up.
struct NodeServices: Sendable {
    let configuration: NodeConfiguration
    let store: NodeStore
    let calendar: WorkCalendar
    let linter: StandardizationLinter
    let today: Today
    /// The node's key pair; replaced in place by a re-key.
    let identities: IdentityHolder
    /// Poked after a transaction queued a message.
    let outboxSignal: OutboxSignal
    /// Sends signed frames to peers (libcurl; in process in tests).
    let transport: any PeerTransport
    /// The console's templates (also the opinion page of the API).
    let renderer: ConsoleRenderer
    /// Failed console sign-ins by name.
    let signInThrottle = SignInThrottle()
    /// The node's metrics registry (`/metrics`).
    let metrics = NodeMetrics()

    var workflow: CaseWorkflow { CaseWorkflow(services: self) }

    /// The current key pair.
    var identity: NodeIdentity { identities.current }
}
