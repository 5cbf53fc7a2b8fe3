import CCairo
import Foundation

/// Collects the bytes Cairo writes through a stream callback.
final class ByteSink {
    var data = Data()

    /// The pointer to hand Cairo as the callback's closure argument (valid while `self` lives).
    var closure: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// Cairo's write callback: appends to the ``ByteSink`` passed as closure.
    static var callback: cairo_write_func_t {
        { closure, bytes, length in
            guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
            if let bytes, length > 0 {
                Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
            }
            return CAIRO_STATUS_SUCCESS
        }
    }
}
