import ReviewRules
import Testing

@Suite struct PhoneNumberTests {
    @Test(arguments: ["13904318888", "0431-88776655", "0431-8877665", "043188776655", "0431-88776655-123", "12345", "12315", "95588", "400-123-4567", "4001234567", "010-12345678"])
    func accepts(_ phone: String) { #expect(PhoneNumber.isValid(phone)) }

    @Test(arguments: ["8722123", "0431-123", "1234567890123", "12a45", "0431 88776655", "11904318888", "431-88776655", "0431-08776655", "", "--", "0431-88776655-1234567"])
    func refuses(_ phone: String) { #expect(!PhoneNumber.isValid(phone)) }
}
