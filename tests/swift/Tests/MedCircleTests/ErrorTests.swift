// Every case of every error type the core throws, sent to the library and thrown back by its
// testing exports (`testingThrow…`): each must lift to the same Swift case with every field
// intact, unsigned fields at their extremes and text in Chinese included. Which cases exist is
// read from the generated decoder (uniffi writes it from the Rust enum), so a case added in
// Rust without a sample here fails the test.

import Foundation
import MedCircle
import XCTest

final class ErrorTests: XCTestCase {
    func testAuthErrors() {
        let samples: [AuthError] =
            [
                .InvalidPhone(reason: "手机号应为 11 位数字"), .InvalidCode, .WrongCode(attemptsLeft: .max),
                .WrongCode(attemptsLeft: 0), .CodeExpired, .CodeLocked, .CarrierTokenInvalid, .CarrierTokenExpired,
                .CarrierTokenUsed, .ReauthRequired, .InvalidQrCode(reason: "这不是登录二维码"), .WebLoginNotFound,
                .WebLoginExpired, .WebLoginUsed, .UnknownProvider(name: "微信"),
                .ProviderMisconfigured(reason: "签发者不一致"), .ProviderDenied(reason: "用户拒绝了授权"),
                .InvalidCallback(reason: "state 不匹配"), .IssuerMissing, .IssuerMismatch(received: "https://其他.example"),
                .NothingToBind, .AuthorizationExpired, .LoginCancelled, .ProviderAppFailed(detail: "微信未安装"),
                .IdTokenRejected(reason: "签名无效"),
                .UnexpectedLoginEvent(reason: "当前步骤不接受此事件"), .RateLimited(retryAfterS: .max),
                .RateLimited(retryAfterS: 0), .ChallengeNotSolved, .NotLoggedIn, .UnsentWouldBeLost(count: .max), .SessionExpired, .Storage(detail: "磁盘已满"),
            ]
            + purposes.map { .ConsentRequired(purpose: $0) } + networkProblems.map { .Network(problem: $0) }
        assertEveryCase(
            samples, FfiConverterTypeAuthError.read, FfiConverterTypeAuthError.write, thrownBy: testingThrowAuthError)
    }

    func testCertificationErrors() {
        let samples: [CertificationError] = [
            .NotLoggedIn, .SessionExpired, .ConsentRequired(purpose: .identityVerification),
            .InvalidIdNumber(reason: "校验位不正确"), .UnsupportedImage, .ImageTooLarge(limitBytes: .max), .EmptyImage,
            .InvalidImage, .PhotosRequired, .AlreadyCertified, .NotSubmitted, .ReauthRequired, .Cancelled,
            .Network(problem: .responseTooLarge(limitBytes: .max)), .Storage(detail: "数据库已锁定"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeCertificationError.read, FfiConverterTypeCertificationError.write,
            thrownBy: testingThrowCertificationError)
    }

    func testClientErrors() {
        let samples: [ClientError] = [
            .InvalidConfig(reason: "server_url 不是网址"), .InsecureServerUrl(url: "http://医圈.example"),
            .SecureStoreUnavailable(detail: "钥匙串不可用"), .Storage(detail: ""),
        ]
        assertEveryCase(
            samples, FfiConverterTypeClientError.read, FfiConverterTypeClientError.write,
            thrownBy: testingThrowClientError)
    }

    func testConsentErrors() {
        let samples: [ConsentError] = [
            .PolicyNotShown(version: "2026-11 版"), .PolicyNotAccepted, .NotInAcceptedPolicy(purpose: .preciseLocation),
            .NotOptional(purpose: .privacyPolicy), .SessionExpired, .Network(problem: .serverUnavailable(status: 0)),
            .Storage(detail: "写入失败"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeConsentError.read, FfiConverterTypeConsentError.write,
            thrownBy: testingThrowConsentError)
    }

    func testFeedErrors() {
        let samples: [FeedError] = [
            .NotLoggedIn, .SessionExpired, .ConsentRequired(purpose: .personalisation), .PostNotFound,
            .CommentNotFound, .NotAuthor, .NotYetSent, .StillSending, .AlreadySent,
            .InvalidText(reason: "帖子不能为空"), .InvalidQuery(reason: "搜索词过长"), .TooManyPhotos(max: .max),
            .TooManyPhotos(max: 0), .UnsupportedImage, .ImageTooLarge(limitBytes: .max),
            .ImageDimensionsTooLarge(maxPx: .max), .Cancelled, .Network(problem: .cancelled),
            .Storage(detail: "缓存损坏"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeFeedError.read, FfiConverterTypeFeedError.write, thrownBy: testingThrowFeedError)
    }

    func testHelpErrors() {
        let samples: [HelpError] = [
            .NotLoggedIn, .SessionExpired, .InvalidText(reason: "请先描述问题"), .TooManyPhotos(max: .max),
            .PhotoPermissionRequired, .UnsupportedImage, .ImageTooLarge(limitBytes: .max),
            .ImageDimensionsTooLarge(maxPx: .max), .InvalidContact(reason: "手机号需 11 位"), .InvalidQuery,
            .ArticleNotFound, .TicketNotFound, .Cancelled, .FeedbackNotFound,
            .Network(problem: .offline), .Storage(detail: "工单表缺失"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeHelpError.read, FfiConverterTypeHelpError.write, thrownBy: testingThrowHelpError)
    }

    func testPermissionErrors() {
        assertEveryCase(
            [PermissionError.Storage(detail: "设置表不可读")], FfiConverterTypePermissionError.read,
            FfiConverterTypePermissionError.write, thrownBy: testingThrowPermissionError)
    }

    func testPrivacyErrors() {
        let samples: [PrivacyError] = [
            .NotLoggedIn, .SessionExpired, .ReauthRequired, .Network(problem: .timeout), .Storage(detail: "账本损坏"),
        ]
        assertEveryCase(
            samples, FfiConverterTypePrivacyError.read, FfiConverterTypePrivacyError.write,
            thrownBy: testingThrowPrivacyError)
    }

    func testProfileErrors() {
        let samples: [ProfileError] = [
            .NotLoggedIn, .SessionExpired, .QueryTooLong, .UnknownUnit, .DepartmentNotInUnit,
            .Network(problem: .offline), .Storage(detail: "资料表缺失"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeProfileError.read, FfiConverterTypeProfileError.write,
            thrownBy: testingThrowProfileError)
    }

    func testProviderErrors() {
        assertEveryCase(
            [ProviderError.Failed(detail: "相机被其他应用占用")], FfiConverterTypeProviderError.read,
            FfiConverterTypeProviderError.write, thrownBy: testingThrowProviderError)
    }

    func testSecurityErrors() {
        let samples: [SecurityError] = [
            .NotLoggedIn, .SessionExpired, .ReauthRequired, .SessionNotFound, .CurrentSession,
            .NoticeNotFound, .Network(problem: .updateRequired(minimum: "2.0")),
            .Storage(detail: "通知表缺失"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeSecurityError.read, FfiConverterTypeSecurityError.write,
            thrownBy: testingThrowSecurityError)
    }

    func testMallErrors() {
        let fields: [AddressField] = [.recipientName, .phone, .province, .city, .district, .street]
        let samples: [MallError] =
            [
                .NotLoggedIn, .SessionExpired, .OutOfStock, .InsufficientPoints, .LimitReached, .ItemNotFound,
                .AddressNotFound, .RedemptionNotFound, .NotCancellable, .Network(problem: .timeout),
                .Storage(detail: "地址表缺失"),
            ] + fields.map { .AddressInvalid(field: $0) }
        assertEveryCase(
            samples, FfiConverterTypeMallError.read, FfiConverterTypeMallError.write,
            thrownBy: testingThrowMallError)
    }

    func testPurchaseErrors() {
        let samples: [PurchaseError] = [
            .NotLoggedIn, .SessionExpired, .ReauthRequired, .UnknownProduct, .MethodUnavailable, .OrderNotFound,
            .GatewayUnavailable, .AlreadyInProgress, .PaymentAppFailed(detail: "支付宝未安装 💳"), .Network(problem: .offline),
            .Storage(detail: "订单表缺失"),
        ]
        assertEveryCase(
            samples, FfiConverterTypePurchaseError.read, FfiConverterTypePurchaseError.write,
            thrownBy: testingThrowPurchaseError)
    }

    func testRecordsErrors() {
        let samples: [RecordsError] = [
            .PersonalDataRefused, .InvalidTarget, .Network(problem: .insecureConnection(detail: "证书不匹配")),
            .Storage(detail: "队列已满"),
        ]
        assertEveryCase(
            samples, FfiConverterTypeRecordsError.read, FfiConverterTypeRecordsError.write,
            thrownBy: testingThrowRecordsError)
    }

    /// The nested enums the samples above carry: each of their cases is in `purposes` and
    /// `networkProblems`.
    func testTheNestedEnumsAreCoveredInFull() {
        assertCovered(
            purposes.map { variant($0, FfiConverterTypeConsentPurpose.write) },
            cases: variantCount(FfiConverterTypeConsentPurpose.read), of: ConsentPurpose.self)
        assertCovered(
            networkProblems.map { variant($0, FfiConverterTypeNetworkProblem.write) },
            cases: variantCount(FfiConverterTypeNetworkProblem.read), of: NetworkProblem.self)
    }
}

private let purposes: [ConsentPurpose] = [
    .privacyPolicy, .personalisation, .browsingRecords, .preciseLocation, .identityVerification, .thirdPartySharing,
]

private let networkProblems: [NetworkProblem] = [
    .offline, .timeout, .serverUnavailable(status: .max), .malformedResponse(detail: "不是 JSON"),
    .responseTooLarge(limitBytes: .max), .cancelled, .insecureConnection(detail: "证书已过期"),
    .updateRequired(minimum: "10.0.1"),
    .rejected(status: .max, code: "未知代码", message: "服务器拒绝了请求 🚫"), .rejected(status: 0, code: "", message: ""),
]

private typealias Read<E> = (inout (data: Data, offset: Data.Index)) throws -> E
private typealias Write<E> = (E, inout [UInt8]) -> Void

/// Asserts `samples` hold every case of `E`, and that each comes back from `thrownBy` as
/// itself.
private func assertEveryCase<E: Error & Equatable>(
    _ samples: [E], _ read: Read<E>, _ write: Write<E>, thrownBy throwBack: (E) throws -> Void,
    file: StaticString = #filePath, line: UInt = #line
) {
    assertCovered(samples.map { variant($0, write) }, cases: variantCount(read), of: E.self, file: file, line: line)
    for sample in samples {
        do {
            try throwBack(sample)
            XCTFail("\(sample) was not thrown", file: file, line: line)
        } catch let lifted as E {
            XCTAssertEqual(lifted, sample, file: file, line: line)
        } catch {
            XCTFail("\(sample) came back as \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}

/// Asserts the case numbers `covered` include every one of the type's `cases`.
private func assertCovered<T>(
    _ covered: [Int32], cases: Int32, of type: T.Type, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertGreaterThan(cases, 0, "\(T.self) has cases", file: file, line: line)
    let missing = (1...max(cases, 1)).filter { !covered.contains($0) }
    XCTAssertEqual(missing, [], "cases of \(T.self) (numbered from 1) without a sample", file: file, line: line)
}

/// The number a value's case is encoded with (uniffi numbers the Rust enum's cases from 1).
private func variant<E>(_ value: E, _ write: Write<E>) -> Int32 {
    var bytes: [UInt8] = []
    write(value, &bytes)
    return bytes.prefix(4).reduce(0) { $0 << 8 | Int32($1) }
}

/// How many cases the generated decoder accepts: each number is decoded with no fields after
/// it, which a case with fields refuses as too short and a number past the last case as unknown.
private func variantCount<E>(_ read: Read<E>) -> Int32 {
    for number in Int32(1)...1000 {
        var buffer = (data: Data(withUnsafeBytes(of: number.bigEndian) { Array($0) }), offset: 0)
        do {
            _ = try read(&buffer)
        } catch where String(describing: error) == "unexpectedEnumCase" {
            return number - 1
        } catch {}
    }
    preconditionFailure("no end to the cases of \(E.self)")
}
