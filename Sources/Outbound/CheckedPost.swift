// A webhook POST that may only reach the public internet: the URL is read by libcurl's parser,
// its host resolved once, every address checked (unless private ones are allowed), and the
// connection pinned to exactly those addresses, so no second lookup can lead elsewhere.
import Addresses

extension OutboundPost {
    /// Resolves and checks `url`'s host, then POSTs to it pinned to the checked addresses; a URL
    /// that leads to a loopback, private, link-local or other non-public address is refused
    /// (unless `allowPrivate`) with a result whose `error` says so, and nothing is sent.
    public static func checked(
        url: String, allowPrivate: Bool, headers: [(name: String, value: String)], body: [UInt8], timeoutMilliseconds: Int
    ) -> OutboundResult {
        let target: OutboundURL
        do { target = try OutboundURL(url) } catch { return .failure(error.description, milliseconds: 0) }
        switch AddressResolver.resolve(host: target.host, port: target.port) {
        case .failure(let error):
            return .failure(error.description, milliseconds: 0)
        case .success(let addresses):
            if !allowPrivate, let refused = addresses.first(where: { !$0.isPublic }) {
                return .failure(
                    "refused: \(target.host) resolves to \(refused), a non-public address (\(refused.addressClass))",
                    milliseconds: 0)
            }
            return OutboundPost(
                url: target.text, pinnedAddresses: addresses, headers: headers, body: body,
                timeoutMilliseconds: timeoutMilliseconds
            ).send()
        }
    }
}
