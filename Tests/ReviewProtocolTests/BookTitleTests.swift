import ReviewProtocol
import Testing

/// Titles quoted by GB/T 15834: 《》 outside, 〈〉 for a title inside a title.
@Suite struct BookTitleTests {
    @Test(arguments: [
        ("德惠市支持中小微企业创新发展若干措施", "《德惠市支持中小微企业创新发展若干措施》"),
        ("《德惠市支持中小微企业创新发展若干措施》实施细则", "《〈德惠市支持中小微企业创新发展若干措施〉实施细则》"),
        ("《《德惠市支持中小微企业创新发展若干措施》实施细则》", "《〈德惠市支持中小微企业创新发展若干措施〉实施细则》"),
        ("《德惠市支持中小微企业创新发展若干措施》", "《德惠市支持中小微企业创新发展若干措施》"),
        ("关于《〈长春市若干措施〉实施细则》的补充通知", "《关于〈《长春市若干措施》实施细则〉的补充通知》"),
        ("《甲办法》和《乙办法》的衔接规定", "《〈甲办法〉和〈乙办法〉的衔接规定》"),
        ("关于〈德惠市若干措施〉的解读", "《关于〈德惠市若干措施〉的解读》"),
    ])
    func quotesByTheStandard(_ title: String, _ quoted: String) {
        #expect(BookTitle.quoted(title) == quoted)
    }
}
