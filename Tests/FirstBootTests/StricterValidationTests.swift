// The rules slipway adds to Ignition's (docs/firstboot.md, "Stricter than Ignition"): NULs in paths,
// account names and fields, unit and drop-in names. Each refused value was accepted before and made
// apply write somewhere else, or something else, than the config says.
import FirstBoot
import Testing

@Suite struct StricterValidationTests {
    static func errors(_ json: String, version: String = "3.4.0") -> [Diagnostic] {
        ConfigParser.parse(Array(#"{"ignition":{"version":"\#(version)"},\#(json)}"#.utf8)).errors
    }

    static func user(_ fields: String) -> String { #""passwd":{"users":[{\#(fields)}]}"# }

    @Test(arguments: [
        (#""storage":{"files":[{"path":"/etc/hostname\u0000.bak"}]}"#, "$.storage.files.0.path"),
        (#""storage":{"directories":[{"path":"/var/a\u0000b"}]}"#, "$.storage.directories.0.path"),
        (#""storage":{"links":[{"path":"/etc/l\u0000","target":"/x"}]}"#, "$.storage.links.0.path"),
        (#""storage":{"links":[{"path":"/etc/l","target":"/etc/shadow\u0000x"}]}"#, "$.storage.links.0.target"),
        (
            #""storage":{"filesystems":[{"device":"/dev/vdb\u0000","format":"ext4","path":"/var/d\u0000"}]}"#,
            "$.storage.filesystems.0.device"
        ),
        (#""storage":{"disks":[{"device":"/dev/vdb\u0000"}]}"#, "$.storage.disks.0.device"),
    ])
    func aNULInAnyPathIsAnError(_ json: String, _ path: String) {
        let errors = StricterValidationTests.errors(json)
        let error = errors.first { $0.path.description == path }
        #expect(error?.message.contains("contains a NUL character, where the system would cut it short") == true)
        #expect(error?.message.contains(#"\u0000"#) == true, "the message shows where the NUL is")
    }

    @Test(arguments: [
        ("evil:x:0:0::/:/bin/sh", #"contains ":", which separates the fields"#),
        ("../../root", #"contains "/""#),
        ("a,b", #"contains ",""#),
        ("two words", "contains whitespace"),
        ("line\nbreak", #"contains a control character ("\n")"#),
        ("nul\u{0}", #"contains a control character ("\u0000")"#),
        ("tab\t", "contains a control character"),
        ("", "user name is empty"),
        (".", "is a path component"),
        ("..", "is a path component"),
        ("-rf", #"starts with "-""#),
        (String(repeating: "a", count: 33), "is 33 bytes long"),
    ])
    func userNamesTheAccountFilesCannotHoldAreErrors(_ name: String, _ reason: String) {
        let json = StricterValidationTests.user(#""name":\#(jsonString(name))"#)
        let errors = StricterValidationTests.errors(json)
        #expect(errors.map(\.path.description) == ["$.passwd.users.0.name"], "\(errors)")
        #expect(errors.first?.message.contains(reason) == true, "\(errors)")
        #expect(errors.first?.message.contains("user names are 1 to 32 bytes") == true)
    }

    @Test(arguments: [
        "core", "my.user", "svc_1", "user-name", "Admin", "ws01$", "_apt", String(repeating: "a", count: 32), "żółw",
    ])
    func namesInRealUseStayValid(_ name: String) {
        let json =
            #""passwd":{"groups":[{"name":\#(jsonString(name))}],"users":[{"name":\#(jsonString(name)),"#
            + #""gecos":"Core User,,,","homeDir":"/var/home/x","shell":"/bin/bash","passwordHash":"$6$salt$hash","#
            + #""primaryGroup":\#(jsonString(name)),"groups":["wheel"]}]}"#
        #expect(StricterValidationTests.errors(json) == [])
    }

    @Test func groupNamesFollowTheSameRules() {
        let errors = StricterValidationTests.errors(
            #""passwd":{"groups":[{"name":"wheel,root"},{"name":"ok","passwordHash":"a:b"}],"#
                + #""users":[{"name":"core","groups":["x:y"],"primaryGroup":"-g"}]}"#)
        #expect(
            Set(errors.map(\.path.description)) == [
                "$.passwd.users.0.primaryGroup", "$.passwd.users.0.groups.0", "$.passwd.groups.0.name",
                "$.passwd.groups.1.passwordHash",
            ])
        let name = errors.first { $0.path.description == "$.passwd.groups.0.name" }
        #expect(name?.message.hasPrefix(#"group name "wheel,root" contains ",""#) == true)
    }

    @Test(arguments: [
        (#""gecos":"x:0:0""#, "$.passwd.users.0.gecos", #"gecos "x:0:0" contains ":""#),
        (#""gecos":"Core\nroot::0:0::/:/bin/sh""#, "$.passwd.users.0.gecos", "contains a control character"),
        (#""homeDir":"home/core""#, "$.passwd.users.0.homeDir", "is not an absolute path"),
        (#""homeDir":"/home/a:b""#, "$.passwd.users.0.homeDir", #"contains ":""#),
        (#""shell":"bash""#, "$.passwd.users.0.shell", "is not an absolute path"),
        (#""shell":"/bin/sh\n""#, "$.passwd.users.0.shell", "contains a control character"),
        (#""passwordHash":"$6$x\nroot::""#, "$.passwd.users.0.passwordHash", "passwordHash contains a control"),
    ])
    func accountFieldsCannotStartAnotherFieldOrLine(_ field: String, _ path: String, _ reason: String) {
        let errors = StricterValidationTests.errors(StricterValidationTests.user(#""name":"core",\#(field)"#))
        #expect(errors.map(\.path.description) == [path], "\(errors)")
        #expect(errors.first?.message.contains(reason) == true, "\(errors)")
        // The password hash itself is not repeated in messages.
        #expect(errors.first?.message.contains("$6$") == false)
    }

    @Test func emptyHomeAndShellMeanNotSet() {
        let json = StricterValidationTests.user(#""name":"core","homeDir":"","shell":"","gecos":"""#)
        #expect(StricterValidationTests.errors(json) == [])
    }

    @Test(arguments: [
        (#"{"name":"../../evil.service"}"#, "$.systemd.units.0.name", #"contains "/""#),
        (#"{"name":"a/b.service"}"#, "$.systemd.units.0.name", #"contains "/""#),
        (#"{"name":"evil\u0000.service"}"#, "$.systemd.units.0.name", "contains a control character"),
        (
            #"{"name":"ok.service","dropins":[{"name":"../../../etc/x.conf","contents":"[Unit]\n"}]}"#,
            "$.systemd.units.0.dropins.0.name", #"contains "/""#
        ),
        (
            #"{"name":"ok.service","dropins":[{"name":"..","contents":""}]}"#, "$.systemd.units.0.dropins.0.name",
            "is a path component"
        ),
    ])
    func unitAndDropinNamesArePlainFileNames(_ unit: String, _ path: String, _ reason: String) {
        let errors = StricterValidationTests.errors(#""systemd":{"units":[\#(unit)]}"#)
        let matching = errors.filter { $0.path.description == path && $0.message.contains("is a plain file name") }
        #expect(matching.count == 1, "\(errors)")
        #expect(matching.first?.message.contains(reason) == true)
    }

    @Test func kernelArgumentsAreOneLineOfPrintableText() {
        let errors = StricterValidationTests.errors(
            #""kernelArguments":{"shouldExist":["quiet","x=\"\ninitrd /evil.img\n\""],"shouldNotExist":["a\u0000"]}"#)
        #expect(
            errors.map(\.path.description) == ["$.kernelArguments.shouldExist.1", "$.kernelArguments.shouldNotExist.0"])
        #expect(
            errors.first?.message.hasPrefix(#"kernel argument "x=\"\ninitrd /evil.img\n\"" contains a control"#) == true
        )
    }

    @Test func unitTypeSuffixIsStillRequired() {
        let errors = StricterValidationTests.errors(#""systemd":{"units":[{"name":"evil"}]}"#)
        #expect(errors.map(\.message) == ["invalid systemd unit extension"])
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
