import ArgumentParser

/// `review-bench`: federation throughput, latency, catch-up and footprint, each reported beside
/// a ceiling measured in the same run on the same bytes (these machines are noisy).
@main
struct ReviewBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-bench",
        abstract: "Benchmark the review federation on loopback against this machine's own ceiling.",
        subcommands: [RunCommand.self, CeilingServerCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
