import Foundation
import Testing

@testable import Report

@Suite("Analysis launcher")
struct AnalysisLauncherTests {
    /// A SIGTERM sent to `report` while an analysis runs reaches the analysis (it was left running,
    /// writing its run folder, after `timeout` ended `report`), and `report` itself survives to say so.
    @Test func terminationSignalsArePassedToTheChild() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try SignalForwarding.launch(child)
        let forwarding = SignalForwarding()
        forwarding.start(to: child.processIdentifier)
        let started = Date()
        kill(getpid(), SIGTERM)  // without the forwarding this would end the test process
        child.waitUntilExit()
        forwarding.stop()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGTERM)
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
