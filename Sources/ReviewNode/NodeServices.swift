import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// What the routes work with: the store, the rules and the calendar loaded from Config, and
/// today's date. Built once at start-up.
struct NodeServices: Sendable {
    let configuration: NodeConfiguration
    let store: NodeStore
    let calendar: WorkCalendar
    let linter: StandardizationLinter
    let today: Today

    var workflow: CaseWorkflow { CaseWorkflow(services: self) }
}
