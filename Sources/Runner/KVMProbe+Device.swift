import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The first probe stage: talk to /dev/kvm directly and run one `hlt` in a tiny real-mode guest.
///
/// Ioctl numbers and structure layouts are those of <linux/kvm.h> on x86-64 (KVM API version 12).
extension KVMProbe {
    private enum Ioctl {
        static let getAPIVersion: UInt = 0xAE00
        static let createVM: UInt = 0xAE01
        static let getVCPUMmapSize: UInt = 0xAE04
        static let createVCPU: UInt = 0xAE41
        /// _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region): 32 bytes.
        static let setUserMemoryRegion: UInt = 0x4020_AE46
        static let run: UInt = 0xAE80
        /// _IOW(KVMIO, 0x82, struct kvm_regs): 144 bytes.
        static let setRegisters: UInt = 0x4090_AE82
        /// _IOR / _IOW(KVMIO, 0x83 / 0x84, struct kvm_sregs): 312 bytes.
        static let getSpecialRegisters: UInt = 0x8138_AE83
        static let setSpecialRegisters: UInt = 0x4138_AE84
    }

    /// `KVM_EXIT_HLT` in `struct kvm_run`'s `exit_reason`.
    private static let exitHalt: UInt32 = 5

    /// Opens `path`, creates a VM with one vCPU and 4 KiB of memory holding `hlt`, and runs it.
    ///
    /// Usable only if the vCPU stops with `KVM_EXIT_HLT`. The run happens on its own thread and is
    /// abandoned after `timeout`, so a wedged KVM cannot hang the caller.
    public static func probeDevice(path: String = "/dev/kvm", timeout: Duration = .seconds(2)) -> Verdict {
        // The semaphore orders the thread's write before our read; after a timeout the box is never read.
        final class Box: @unchecked Sendable { var verdict: Verdict? }
        let box = Box()
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.verdict = runHalt(devicePath: path)
            finished.signal()
        }
        guard finished.wait(timeout: .now() + timeout.seconds) == .success, let verdict = box.verdict else {
            return Verdict(usable: false, reason: "\(path): a one-instruction guest did not stop within \(timeout)")
        }
        return verdict
    }

    private static func runHalt(devicePath: String) -> Verdict {
        func failed(_ step: String) -> Verdict {
            Verdict(usable: false, reason: "\(devicePath): \(step) failed: \(String(cString: strerror(errno)))")
        }
        let kvm = open(devicePath, O_RDWR | O_CLOEXEC)
        guard kvm >= 0 else { return failed("open") }
        defer { close(kvm) }
        guard ioctl(kvm, Ioctl.getAPIVersion, 0) == 12 else {
            return Verdict(usable: false, reason: "\(devicePath): unexpected KVM API version")
        }
        let vm = ioctl(kvm, Ioctl.createVM, 0)
        guard vm >= 0 else { return failed("KVM_CREATE_VM") }
        defer { close(vm) }

        // Guest memory: one page at guest address 0x1000 holding `hlt` (0xF4).
        let pageSize = 0x1000
        guard let memory = mmap(nil, pageSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
            memory != MAP_FAILED
        else { return failed("mmap guest memory") }
        defer { munmap(memory, pageSize) }
        memory.storeBytes(of: 0xF4, as: UInt8.self)
        var region = [UInt8](repeating: 0, count: 32)  // slot, flags, guest_phys_addr, memory_size, userspace_addr
        region.store(UInt64(0x1000), at: 8)
        region.store(UInt64(pageSize), at: 16)
        region.store(UInt64(UInt(bitPattern: memory)), at: 24)
        guard ioctl(vm, Ioctl.setUserMemoryRegion, &region) == 0 else {
            return failed("KVM_SET_USER_MEMORY_REGION")
        }

        let vcpu = ioctl(vm, Ioctl.createVCPU, 0)
        guard vcpu >= 0 else { return failed("KVM_CREATE_VCPU") }
        defer { close(vcpu) }
        let runSize = Int(ioctl(kvm, Ioctl.getVCPUMmapSize, 0))
        guard runSize > 0, let run = mmap(nil, runSize, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0),
            run != MAP_FAILED
        else { return failed("mmap kvm_run") }
        defer { munmap(run, runSize) }

        // Real mode with CS base 0 (cs.base at offset 0, cs.selector at 12), RIP 0x1000, RFLAGS bit 1 set.
        var special = [UInt8](repeating: 0, count: 312)
        guard ioctl(vcpu, Ioctl.getSpecialRegisters, &special) == 0 else {
            return failed("KVM_GET_SREGS")
        }
        special.store(UInt64(0), at: 0)
        special.store(UInt16(0), at: 12)
        guard ioctl(vcpu, Ioctl.setSpecialRegisters, &special) == 0 else {
            return failed("KVM_SET_SREGS")
        }
        var registers = [UInt8](repeating: 0, count: 144)  // rax...r15, then rip at 128, rflags at 136
        registers.store(UInt64(0x1000), at: 128)
        registers.store(UInt64(0x2), at: 136)
        guard ioctl(vcpu, Ioctl.setRegisters, &registers) == 0 else {
            return failed("KVM_SET_REGS")
        }
        guard ioctl(vcpu, Ioctl.run, 0) == 0 else { return failed("KVM_RUN") }
        let reason = run.load(fromByteOffset: 8, as: UInt32.self)
        guard reason == exitHalt else {
            return Verdict(
                usable: false, reason: "\(devicePath): the test guest stopped with exit reason \(reason), not hlt")
        }
        return Verdict(usable: true, reason: "\(devicePath) ran a test guest")
    }
}

/// An ioctl whose argument is a structure laid out in `buffer`.
private func ioctl(_ descriptor: Int32, _ request: UInt, _ buffer: inout [UInt8]) -> Int32 {
    buffer.withUnsafeMutableBytes { raw in
        guard let base = raw.baseAddress else { return -1 }
        return Glibc.ioctl(descriptor, request, base)
    }
}

extension [UInt8] {
    /// Stores `value` little-endian at byte `offset`, as the kernel's structures expect on x86-64.
    fileprivate mutating func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { bytes in
            for (index, byte) in bytes.enumerated() { self[offset + index] = byte }
        }
    }
}
