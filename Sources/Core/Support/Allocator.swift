#if canImport(Glibc)
import Glibc
#endif

/// The C allocator's settings for a program that searches many light curves.
public enum Allocator {
    /// Keeps freed memory in the process for reuse instead of handing it back to the system at once.
    ///
    /// A search allocates and frees arrays of a light curve's length (160 kB for a 2-minute TESS
    /// sector, 1 MB at 20 s) a few dozen times per light curve. glibc serves such blocks by `mmap`, or
    /// from the heap's top which it trims back to the system as soon as more than twice the block is
    /// free there; either way each new array can start on fresh pages. In a profile of the
    /// benchmark's searches the kernel's page faults took 12 % (17,600 faults in 20 searches of the
    /// synthetic sector; 2,450 with this); the flares analysis of 200 stars went from 160,000 faults
    /// and 59 s of CPU to 10,000 and 54 s. Blocks up to 32 MiB (glibc's ceiling for this setting)
    /// now come from the heap, and up to 64 MiB free at its top is kept. The cost is that memory a
    /// program freed stays resident, up to that much per allocator arena, until it exits (that
    /// analysis peaked at 90 MB instead of 75): nothing for a batch program.
    ///
    /// Call once, first thing in `main`; it is a no-op where the C library is not glibc, and where
    /// the environment sets `VO_MALLOC_DEFAULTS` (to measure, or to keep glibc's own behaviour).
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        guard getenv("VO_MALLOC_DEFAULTS") == nil else { return }
        // `mallopt` is declared in <malloc.h>, which the Glibc module does not bring in: looked up
        // by name, with its parameters' constants from that header.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let (trimThreshold, mmapThreshold): (Int32, Int32) = (-1, -3)  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 64 << 20)
        #endif
    }
}
