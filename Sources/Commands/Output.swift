// Output helpers shared by the commands.
import Build
import Foundation

/// Writes `text` and a newline to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Before a command reads a build's outputs: finishes the commit a build interrupted between its
/// renames left in the file's directory, so that the image, its kernel and its manifest are all
/// of one build, and says so on standard error.
func finishInterruptedBuild(around file: String, command: String) throws {
    let parent = (file as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    let renamed = try OutputDirectory.finishInterruptedCommit(in: directory)
    if renamed > 0 {
        printError("\(command): finished renaming \(renamed) outputs of an interrupted build in \(directory)")
    }
}
