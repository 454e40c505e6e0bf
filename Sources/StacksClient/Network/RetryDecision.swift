// Which failures are worth another try, by how safely the request may be resent: a refused connection
// and 503 or 429 did nothing; 502, 504, a lost connection or a timeout may have, which only an idempotency
// key (or a harmless request) makes safe to repeat; a 409 in flight or conversation changed asks for it.
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What to do after one try.
public enum RetryDecision: Sendable, Equatable {
    /// Keep this response.
    case accept
    /// Try again: why, and the seconds the server asked to wait, if it did.
    case retry(reason: String, retryAfter: Double?)
    /// Give up: the server cannot be reached (exit 3).
    case unreachable(String)

    /// The decision for a response with `status` and problem `slug` to a request resent as `resending`.
    public static func after(status: Int, slug: String?, retryAfter: Double?, resending: Resending) -> RetryDecision {
        guard resending != .once else { return .accept }
        let reason = "\(status) from the server"
        switch status {
        case 503, 429:
            return .retry(reason: reason, retryAfter: retryAfter)
        case 502, 504:
            return resending == .onlyUnsent ? .accept : .retry(reason: reason, retryAfter: retryAfter)
        case 409 where slug == "idempotency-in-flight" || slug == "conversation-changed":
            return resending == .write ? .retry(reason: "409 \(slug ?? "")", retryAfter: retryAfter) : .accept
        default:
            return .accept
        }
    }

    /// The decision for a try that got no response because of `error`.
    public static func after(error: any Error, resending: Resending) -> RetryDecision {
        guard let error = error as? URLError else { return .unreachable(String(describing: error)) }
        guard resending != .once else { return .unreachable(Self.describe(error)) }
        switch error.code {
        case .cannotConnectToHost:
            return .retry(reason: "connection refused", retryAfter: nil)
        case .cannotFindHost, .dnsLookupFailed, .unsupportedURL, .badURL, .secureConnectionFailed,
            .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot:
            return .unreachable(error.localizedDescription)
        default:
            return resending == .onlyUnsent
                ? .unreachable(error.localizedDescription)
                : .retry(reason: Self.describe(error), retryAfter: nil)
        }
    }

    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "no answer in time"
        case .networkConnectionLost: "connection lost"
        case .cannotConnectToHost: "connection refused"
        default: error.localizedDescription
        }
    }
}
