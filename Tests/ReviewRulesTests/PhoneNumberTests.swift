import ReviewRules
import Testing

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        "13904318888", "0431-88776655", "0431-8877665", "043188776655", "0431-88776655-123", "12345", "12315", "95588",
        "400-123-4567", "4001234567", "010-12345678",
        // As people write them (issue 13).
        "4008-123-456", "8008-208-820", "400 888 6666", "400-8886-666", "0431 87221234", "（0431）87221234", "(0431) 8722 1234",
        "0431－87221234", "0431—87221234", "０４３１－８７２２１２３４", "139-0431-8888", "139 0431 8888", "+86 139 0431 8888",
        "0431-87221234转123", "0431-87221234 转 123", "0431-87221234-8001", "0431-87221234分机123",
        "0431-87221234、12345", "0431-87221234，13904318888", "0431-87221234;0431-87229876", "0431-87221234或12345",
        "0431-87221234 0431-87229876", "0431-12345", "12366", "96885",
    ])
    func accepts(_ phone: String) { #expect(PhoneNumber.isValid(phone), "\(PhoneNumber.check(phone))") }

    @Test(arguments: [
        "8722123", "0431-123", "1234567890123", "12a45", "11904318888", "431-88776655", "0431-08776655", "", "--",
        "0431-88776655-1234567", "0123-87221234", "0000-87221234", "011-87221234", "1390431888", "400-123-456",
        "800-820-88201", "0431-87221234、123", "0431-87221234转", "1234",
    ])
    func refuses(_ phone: String) { #expect(!PhoneNumber.isValid(phone), "\(PhoneNumber.check(phone))") }

    @Test(arguments: [
        ("4008-123-456", "400-812-3456"), ("8008-208-820", "800-820-8820"), ("400 888 6666", "400-888-6666"),
        ("0431 87221234", "0431-87221234"), ("（0431）87221234", "0431-87221234"), ("0431－87221234", "0431-87221234"),
        ("139 0431 8888", "13904318888"), ("0431-87221234 转 123", "0431-87221234转123"), ("010 1234 5678", "010-12345678"),
    ])
    func regroupedNumbersHaveTheirCanonicalForm(_ written: String, _ canonical: String) {
        #expect(PhoneNumber.check(written) == [.regrouped(written: written, canonical: canonical)])
    }

    @Test func canonicalNumbersAreValidAsWritten() {
        for phone in ["0431-87221234", "400-888-6666", "13904318888", "12345", "0431-87221234转123", "0431-87221234-123"] {
            #expect(PhoneNumber.check(phone) == [.valid(phone)])
        }
    }

    @Test func severalNumbersInOneField() {
        let verdicts = PhoneNumber.check("0431-87221234、4008-123-456或12345")
        #expect(verdicts.count == 3)
        #expect(verdicts.map(\.canonical) == ["0431-87221234", "400-812-3456", "12345"])
        #expect(PhoneNumber.canonical("0431 87221234;12345") == "0431-87221234、12345")
    }

    @Test func wrongNumbersSayWhy() {
        func reason(_ phone: String) -> String {
            guard case .invalid(_, let reason) = PhoneNumber.check(phone).first else { return "" }
            return reason
        }
        #expect(reason("0431-123").contains("7–8位"))
        #expect(reason("0123-87221234").contains("区号“0123”不存在"))
        #expect(reason("8722123").contains("缺少区号"))
        #expect(reason("1390431888").contains("11位"))
        #expect(reason("400-123-456").contains("10位"))
        #expect(reason("12a45").contains("字符"))
        #expect(reason("0431-87221234-1234567").contains("分机号"))
    }
}
