import ReviewNode
import ReviewProtocol

await NodeApplication.main(tier: .city)
