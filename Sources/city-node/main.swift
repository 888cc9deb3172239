import ArgumentParser
import ReviewNode
import ReviewProtocol

/// `city-node --config FILE`: the city tier's node.
struct CityNode: NodeCommand {
    static let tier = Tier.city
    static let configuration = commandConfiguration(tier: .city)
    @OptionGroup var options: NodeOptions
}

await CityNode.start()
