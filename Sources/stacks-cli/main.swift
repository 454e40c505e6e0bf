// The `stacks` command-line client: reads the arguments and the environment once, runs the
// command (StacksClient's CLI) and exits with its code.
import Foundation
import StacksClient

let code = await CLI.run(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(code)
