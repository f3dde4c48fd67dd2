import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { errnoFromName, errnoName, errnoTable } from "@nlwire/codec";
import { errnoMessage } from "@nlwire/codec/errno-messages";

// asm-generic/errno-base.h and asm-generic/errno.h, in order (41 and 58 are unused).
const GENERIC = `EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES EFAULT ENOTBLK EBUSY
EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE
EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP - ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT
EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT - EBFONT ENOSTR ENODATA ETIME ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM
EPROTO EMULTIHOP EDOTDOT EBADMSG EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ ERESTART
ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP
EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN
ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE EUCLEAN ENOTNAM
ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD
ENOTRECOVERABLE ERFKILL EHWPOISON`.split(/\s+/);

// include/linux/errno.h: kernel-internal codes from 512 (520 is unused).
const INTERNAL = `ERESTARTSYS ERESTARTNOINTR ERESTARTNOHAND ENOIOCTLCMD ERESTART_RESTARTBLOCK EPROBE_DEFER EOPENSTALE ENOPARAM -
EBADHANDLE ENOTSYNC EBADCOOKIE ENOTSUPP ETOOSMALL ESERVERFAULT EBADTYPE EJUKEBOX EIOCBQUEUED ERECALLCONFLICT ENOGRACE`.split(/\s+/);

const EXPECTED: [number, string][] = [
  ...GENERIC.map((n, i) => [i + 1, n] as [number, string]),
  ...INTERNAL.map((n, i) => [i + 512, n] as [number, string]),
].filter(([, n]) => n !== "-");

describe("errno table", () => {
  it("is complete: EPERM=1 … EHWPOISON=133, then 512 … 531, in numeric order", () => {
    expect(GENERIC).toHaveLength(133);
    expect(errnoTable()).toEqual(EXPECTED);
    expect(errnoName(1)).toBe("EPERM");
    expect(errnoName(133)).toBe("EHWPOISON");
    expect(errnoName(524)).toBe("ENOTSUPP");
    expect(errnoName(95)).toBe("EOPNOTSUPP");
  });

  it.each(EXPECTED)("%i ⇄ %s", (n, name) => {
    expect(errnoName(n)).toBe(name);
    expect(errnoName(-n)).toBe(name); // the wire carries -errno
    expect(errnoFromName(name)).toBe(n);
    expect(errnoFromName(name.toLowerCase())).toBe(n);
    expect(errnoMessage(n)).toMatch(/^\S.*\S$/);
  });

  it("agrees with the numbers Node knows for this platform", () => {
    const node = constants.errno as Record<string, number>;
    let compared = 0;
    // Second names for one number (ENOTSUP is glibc's name for EOPNOTSUPP).
    const primary: Record<string, string> = { EWOULDBLOCK: "EAGAIN", EDEADLOCK: "EDEADLK", ENOTSUP: "EOPNOTSUPP" };
    for (const [name, n] of Object.entries(node)) {
      expect([name, errnoName(n)]).toEqual([name, primary[name] ?? name]);
      compared++;
    }
    expect(compared).toBeGreaterThan(70);
  });

  it("aliases resolve to the older name's number", () => {
    expect(errnoFromName("EWOULDBLOCK")).toBe(11);
    expect(errnoFromName("EDEADLOCK")).toBe(35);
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(35)).toBe("EDEADLK");
  });

  it("messages are the kernel's strings", () => {
    expect(errnoMessage(1)).toBe("Operation not permitted");
    expect(errnoMessage(-22)).toBe("Invalid argument");
    expect(errnoMessage(95)).toBe("Operation not supported on transport endpoint");
    expect(errnoMessage(524)).toBe("Operation is not supported");
  });

  it.each([0, 41, 58, 134, 511, 520, 532, 4095, 2 ** 31])("%i has no name", (n) => {
    expect(errnoName(n)).toBeUndefined();
    expect(errnoMessage(n)).toBeUndefined();
  });

  it("unknown names are undefined", () => {
    expect(errnoFromName("ENOTANERROR")).toBeUndefined();
    expect(errnoFromName("")).toBeUndefined();
    expect(errnoFromName("constructor")).toBeUndefined();
  });
});
