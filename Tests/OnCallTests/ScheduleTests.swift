import Foundation
import Testing

@testable import OnCall

@Suite struct ScheduleTests {}
