import ArgumentParser
import ReviewNode
import ReviewProtocol

/// `county-node --config FILE`: the county tier's node.
struct CountyNode: NodeCommand {
    static let tier = Tier.county
    static let configuration = commandConfiguration(tier: .county)
    @OptionGroup var options: NodeOptions
}

await CountyNode.start()
