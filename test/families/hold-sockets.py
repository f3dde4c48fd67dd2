"""Opens one socket of every kind sock_diag reports on, says what it opened
(ports and inodes, as JSON on one line) and holds them until stdin closes.
Run inside a throw-away network namespace (ip netns exec NS python3 ...)."""
import json, os, socket, struct, sys, tempfile

def ino(s):
    return os.fstat(s.fileno()).st_ino

held, out = [], {}

def tcp_pair(family, host):
    lst = socket.socket(family, socket.SOCK_STREAM)
    lst.bind((host, 0))
    lst.listen(8)
    cli = socket.socket(family, socket.SOCK_STREAM)
    cli.connect(lst.getsockname()[:2])
    srv, _ = lst.accept()
    cli.sendall(b"x" * 3000)
    srv.recv(1000)  # leaves 2000 bytes queued on the server side
    held.extend([lst, cli, srv])
    return {"listen": lst.getsockname()[1], "client": cli.getsockname()[1],
            "inodes": {"listen": ino(lst), "client": ino(cli), "server": ino(srv)}}

out["tcp4"] = tcp_pair(socket.AF_INET, "127.0.0.1")
out["tcp6"] = tcp_pair(socket.AF_INET6, "::1")
# Options the inet_diag extensions report: a firewall mark and a TOS on the
# IPv4 client, a traffic class on the IPv6 one, and a half-closed socket.
held[1].setsockopt(socket.SOL_SOCKET, 36, 0x77)  # SO_MARK
held[1].setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x20)
held[4].setsockopt(socket.IPPROTO_IPV6, 67, 0x40)  # IPV6_TCLASS
half = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
half.connect(("127.0.0.1", out["tcp4"]["listen"]))
half.shutdown(socket.SHUT_RD)
held.append(half)
out["half"] = {"port": half.getsockname()[1], "inode": ino(half)}

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
udp6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp6.bind(("::1", 0))
udp6.connect(("::1", 9))
held.extend([udp, udp6])
out["udp4"] = {"port": udp.getsockname()[1], "inode": ino(udp)}
out["udp6"] = {"port": udp6.getsockname()[1], "inode": ino(udp6)}

path = os.path.join(tempfile.mkdtemp(prefix="nlw-unix-"), "s")
ux = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ux.bind(path)
ux.listen(4)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
uc.connect(path)
us, _ = ux.accept()
abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
abstract.bind("\0nlw-abstract-%d" % os.getpid())
held.extend([ux, uc, us, abstract])
out["unix"] = {"path": path, "listen": ino(ux), "client": ino(uc), "server": ino(us),
               "abstract": ino(abstract), "abstractName": "nlw-abstract-%d" % os.getpid()}

nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # NETLINK_ROUTE
nl.bind((0, 1))  # RTMGRP_LINK
held.append(nl)
out["netlink"] = {"portid": nl.getsockname()[0], "inode": ino(nl)}

pk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL
pk.bind(("lo", 0))
# struct packet_mreq { int ifindex; u16 type (PACKET_MR_PROMISC); u16 alen; u8 address[8] }
mreq = struct.pack("iHH8s", socket.if_nametoindex("lo"), 1, 0, b"")
pk.setsockopt(263, 1, mreq)  # SOL_PACKET, PACKET_ADD_MEMBERSHIP
held.append(pk)
out["packet"] = {"inode": ino(pk), "ifindex": socket.if_nametoindex("lo")}

print(json.dumps(out), flush=True)
sys.stdin.read()
os.unlink(path)
os.rmdir(os.path.dirname(path))
