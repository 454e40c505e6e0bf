// The state curl's C callbacks reach through their context pointer during one transfer: the bounded
// response-body buffer, the error buffer, and the pinned addresses the open-socket callback enforces.
import Addresses
import CCurl
import Glibc

/// Per-transfer state handed to curl as an unretained pointer; lives longer than the easy handle.
final class TransferContext {
    /// How many bytes of the response body are kept.
    static let snippetLimit = 200

    /// The first `snippetLimit` bytes of the response body.
    private(set) var snippet: [UInt8] = []
    /// The addresses connections may go to; empty means any.
    let pinned: Set<IPAddress>
    /// The first address the open-socket callback refused, if any.
    private(set) var refusedAddress: IPAddress?
    /// CURLOPT_ERRORBUFFER: curl writes its detailed message here.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(pinned: Set<IPAddress>) {
        self.pinned = pinned
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit { errorBuffer.deallocate() }

    /// curl's message from the error buffer, if it wrote one.
    var errorText: String? {
        let text = String(cString: errorBuffer)
        return text.isEmpty ? nil : text
    }

    /// The opaque pointer curl passes back to the callbacks.
    var pointer: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// CURLOPT_WRITEFUNCTION: keeps the start of the body and claims every byte so curl carries on.
    static let collectBody: stacks_curl_write_callback = { data, size, count, context in
        let length = size * count
        guard let data, let context else { return length }
        let box = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
        let room = max(0, snippetLimit - box.snippet.count)
        if room > 0 {
            box.snippet += UnsafeRawBufferPointer(start: data, count: min(room, length))
        }
        return length
    }

    /// CURLOPT_OPENSOCKETFUNCTION: opens a socket only for a pinned address, so curl cannot connect
    /// anywhere else even if it resolved the name itself.
    static let openPinnedSocket: stacks_curl_opensocket_callback = { context, _, address in
        guard let context, let address else { return CURL_SOCKET_BAD }
        let box = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
        guard let target = IPAddress(socketAddress: stacks_curl_sockaddr_address(address)) else { return CURL_SOCKET_BAD }
        guard box.pinned.contains(target) else {
            if box.refusedAddress == nil { box.refusedAddress = target }
            return CURL_SOCKET_BAD
        }
        return socket(address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    }
}
