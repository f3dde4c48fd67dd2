import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  ByteReader, Family, FamilyRegistry, MessageCursor, NLMSG_MIN_TYPE, TypedFamily, resolveSpec, splitDatagram,
  type DecodedMessage,
} from "@nlwire/codec";
import * as generated from "@nlwire/codec/families/index";
import { sockDiag } from "@nlwire/codec/families/sock-diag";
import { NetlinkClient } from "../../client/index.js";
import { generate, loadAll, PROJECT_SPEC_DIR, render } from "../../gen/main.js";
import { loadProjectSpec } from "../../gen/load.js";
import { openNative, tee, type TeeRecord } from "../../transport/index.js";
import { projectSpecFiles } from "../ynl/specs.js";

// The project-written families take part in everything the kernel's do:
// the generated index (and so every registry built from it, as the capture
// decoder's is), message ids that no other family claims, and decoding of
// recorded traffic through the registry alone.

const families = Object.values(generated).flatMap((mod) => Object.values(mod as Record<string, unknown>).filter((v): v is TypedFamily<never> => v instanceof TypedFamily).map((t) => t.family));
const registry = new FamilyRegistry(families);
const projectNames = projectSpecFiles().map((f) => (parse(readFileSync(`${PROJECT_SPEC_DIR}/${f}`, "utf8")) as { name: string }).name);
const mine = ["sock-diag", "TASKSTATS", "rt-nexthop", "rt-netconf", "rt-nsid", "rt-addrlabel", "rt-vlan", "rt-mdb"];

describe("project families in the registry", () => {
  it("are all in the generated index", () => {
    const names = families.map((f) => f.model.name);
    for (const n of mine) expect(projectNames).toContain(n);
    for (const n of mine) expect(names).toContain(n);
  });

  it.each(mine.filter((n) => n !== "TASKSTATS"))("%s owns every message id it defines", (name) => {
    const f = registry.family(name)!;
    const ids = f.model.ops.flatMap((o) => [o.do?.request, o.do?.reply, o.dump?.request, o.dump?.reply, o.event].filter((m) => !!m).map((m) => m!.value).concat(o.notify ? [o.notify.value] : []));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(registry.forMessage(f.model.protonum, id)?.model.name, `type ${id}`).toBe(name);
  });

  it("finds TASKSTATS through the generic netlink id nlctrl gave it", () => {
    registry.learnGenl(0x1b, "TASKSTATS");
    expect(registry.forMessage(16, 0x1b)?.model.name).toBe("TASKSTATS");
  });

  it("decode live sock_diag traffic from its bytes alone, as a capture would", async () => {
    const records: { direction: string; data: Uint8Array }[] = [];
    const t = tee(openNative({ protocol: 4 }), (r: TeeRecord) => records.push({ direction: r.direction, data: r.data.slice() }));
    const c = new NetlinkClient(t);
    try {
      for await (const _ of c.dump(sockDiag, "unix-diag", { fixed: { "sdiag-family": "unix", "udiag-states": ["established", "listen", "close"], "udiag-show": ["peer"] } })) void _;
      for await (const _ of c.dump(sockDiag, "netlink-diag", { fixed: { "sdiag-family": "netlink", "sdiag-protocol": 255 } })) void _;
    } finally {
      c.close();
    }
    const ops = new Map<string, number>();
    for (const { direction, data } of records) {
      const r = new ByteReader(data);
      const cur = new MessageCursor(r);
      while (cur.next()) {
        if (cur.type < NLMSG_MIN_TYPE) continue;
        const f = registry.forMessage(4, cur.type)!;
        const m: DecodedMessage = f.decodeCursor(cur, { fromKernel: direction === "received", strict: true });
        const key = `${m.family} ${m.op} ${m.kind}`;
        ops.set(key, (ops.get(key) ?? 0) + 1);
      }
    }
    expect(ops.get("sock-diag unix-diag request")).toBe(1);
    expect(ops.get("sock-diag netlink-diag request")).toBe(1);
    expect(ops.get("sock-diag unix-diag reply")).toBeGreaterThan(0);
    expect(ops.get("sock-diag netlink-diag reply")).toBeGreaterThan(0);
    expect([...ops.keys()].every((k) => k.startsWith("sock-diag "))).toBe(true);
  });
});

describe("header-match (messages that share an id, told apart by a header member)", () => {
  const f = sockDiag.family;

  it("picks the op from the family byte, in both directions", () => {
    for (const [family, op, fixed] of [
      ["unix", "unix-diag", { "sdiag-family": "unix", "udiag-ino": 5 }],
      ["inet6", "inet-diag", { "sdiag-family": "inet6", "sdiag-protocol": "udp" }],
      ["packet", "packet-diag", { "sdiag-family": "packet" }],
    ] as const) {
      const bytes = f.encodeRequest({ op, mode: "dump", fixed, seq: 3 });
      const [msg] = splitDatagram(bytes).messages;
      expect(msg!.header.type).toBe(20);
      const back = f.decode(msg!, { fromKernel: false, strict: true });
      expect([back.op, (back.fixed as { "sdiag-family": string })["sdiag-family"]]).toEqual([op, family]);
      expect(f.encodeDecoded(back)).toEqual(bytes);
    }
  });

  it("leaves a message of a family no op matches (AF_XDP, 44) undecoded rather than misread", () => {
    const bytes = f.encodeRequest({ op: "packet-diag", mode: "dump", fixed: { "sdiag-family": 44 }, seq: 1 });
    const [msg] = splitDatagram(bytes).messages;
    expect(f.decode(msg!, { fromKernel: false }).op).toBeUndefined();
    expect(f.decode(msg!, { fromKernel: true }).op).toBeUndefined();
  });

  it("is refused by the resolver when it names no integer member of the header", () => {
    const doc = (match: unknown) => ({
      name: "x", protocol: "netlink-raw", protonum: 4,
      definitions: [{ name: "h", type: "struct", members: [{ name: "fam", type: "u8" }, { name: "raw", type: "binary", len: 3 }] }],
      "attribute-sets": [{ name: "a", attributes: [{ name: "v", type: "u32" }] }],
      operations: { list: [{ name: "op", value: 20, "fixed-header": "h", "attribute-set": "a", do: { request: { "header-match": match } } }] },
    });
    expect(resolveSpec(doc({ fam: 1 })).ops[0]!.do!.request!.match).toEqual({ member: "fam", values: [1] });
    expect(() => resolveSpec(doc({ raw: 1 }))).toThrow(/no u8, u16 or u32 member raw/);
    expect(() => resolveSpec(doc({ fam: "inet" }))).toThrow(/not a number or a name/);
    expect(() => resolveSpec(doc({ fam: 1, raw: 2 }))).toThrow(/exactly one member/);
    expect(new Family(resolveSpec(doc({ fam: [1, 2] }))).lookup(20, false)?.match).toMatchObject({ member: "fam", offset: 0, values: [1, 2] });
  });
});

describe("nests with a header and arrays of structs", () => {
  const mdb = registry.family("rt-mdb")!;
  const nexthop = registry.family("rt-nexthop")!;
  const entry = { ifindex: 3, state: "permanent", flags: ["offload"], vid: 10, addr: new Uint8Array(16), "addr-proto": 0x800 };

  it("decode a nest's struct and its attributes into one object, and back to the same bytes", () => {
    const attrs = { mdb: { entry: [{ info: [{ ...entry, timer: 250, rtprot: 4 }] }] } };
    const bytes = mdb.encodeDecoded({ family: "rt-mdb", op: "getmdb", kind: "reply", header: { length: 0, type: 84, flags: 2, seq: 1, pid: 0 }, fixed: { family: 7, ifindex: 5 }, attrs });
    const [msg] = splitDatagram(bytes).messages;
    const back = mdb.decode(msg!, { strict: true });
    expect(back.attrs).toEqual(attrs);
    expect(mdb.encodeDecoded(back)).toEqual(bytes);
  });

  it("report a nest too short for its header as a problem, and keep its bytes", () => {
    // RTM_NEWMDB reply: br_port_msg, then MDBA_MDB { MDBA_MDB_ENTRY { MDBA_MDB_ENTRY_INFO of 4 bytes } }.
    const w = [0x2c, 0, 0, 0, 84, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 0x14, 0, 0x01, 0x80, 0x10, 0, 0x01, 0x80, 0x0c, 0, 0x01, 0x80, 0x0c, 0, 0x01, 0x80, 1, 2, 3, 4];
    const [msg] = splitDatagram(Uint8Array.from(w.slice(0, 0x2c))).messages;
    expect(() => mdb.decode(msg!, { strict: true })).toThrow(/holds 8 bytes, its br-mdb-entry header needs 28/);
    const lenient = mdb.decode(msg!);
    expect(lenient.problems?.length).toBe(1);
    expect(mdb.encodeDecoded(lenient)).toEqual(Uint8Array.from(w.slice(0, 0x2c)));
  });

  it("decode structs back to back, keeping bytes after the last whole one", () => {
    const group = [{ id: 1, weight: 0, resvd1: 0, resvd2: 0 }, { id: 2, weight: 4, resvd1: 0, resvd2: 0 }];
    const m = { family: "rt-nexthop", op: "getnexthop", kind: "reply" as const, header: { length: 0, type: 104, flags: 0, seq: 1, pid: 0 }, fixed: { "nh-family": 0, "nh-scope": 0, "nh-protocol": 0, "nh-flags": [] }, attrs: { id: 9, group } };
    const bytes = nexthop.encodeDecoded(m);
    const [msg] = splitDatagram(bytes).messages;
    expect(nexthop.decode(msg!, { strict: true }).attrs).toEqual({ id: 9, group });
    // Three stray bytes after the two entries (the attribute grows from 16 to 19).
    const at = 16 + 8 + 8; // nlmsghdr, nhmsg, the id attribute: the group attribute starts here
    const odd = Uint8Array.from([...bytes.subarray(0, at), 23, 0, 2, 0, ...bytes.subarray(at + 4, at + 4 + 16), 7, 8, 9, 0]);
    new DataView(odd.buffer).setUint32(0, odd.length, true);
    const [oddMsg] = splitDatagram(odd).messages;
    const back = nexthop.decode(oddMsg!, { strict: true });
    expect(back.attrs).toMatchObject({ id: 9, group });
    expect(nexthop.encodeDecoded(back)).toEqual(odd);
  });
});

describe("the generator and project specs", () => {
  it("names the spec that failed, and writes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "nlw-gen-"));
    const kernel = join(dir, "kernel");
    const project = join(dir, "project");
    mkdirSync(kernel);
    mkdirSync(project);
    try {
      const tiny = "protocol: netlink-raw\nprotonum: 0\nattribute-sets: [{ name: a, attributes: [{ name: x, type: u32 }] }]\noperations: { list: [{ name: get, value: 1, attribute-set: a, do: { request: { attributes: [x] } } }] }\n";
      writeFileSync(join(kernel, "rt-link.yaml"), `name: rt-link\n${tiny}`);
      writeFileSync(join(project, "broken.yaml"), "name: broken\nprotocol: netlink-raw\nattribute-sets: []\noperations: { list: [] }\n");
      writeFileSync(join(project, "rt-link.yaml"), `name: rt-link\n${tiny}`);
      writeFileSync(join(project, "fine.yaml"), `name: fine\n${tiny}`);
      const { specs, failures } = loadAll(kernel, { projectDir: project, overlayDir: dir });
      expect(failures.map((e) => e.message)).toEqual([
        expect.stringMatching(/broken\.yaml: broken: protonum: netlink-raw needs protonum/),
        expect.stringMatching(/rt-link\.yaml: the kernel has a spec named rt-link; extend it with an overlay instead/),
      ]);
      expect(specs.map((x) => [x.file, !!x.project])).toEqual([["rt-link.yaml", false], ["fine.yaml", true]]);
      expect(() => generate(kernel, { projectDir: project, overlayDir: dir, outDir: dir })).toThrow(/2 spec\(s\) failed/);
      const files = generate(kernel, { projectDir: project, overlayDir: dir, outDir: dir, keepGoing: true }).map((f) => f.path);
      expect(files.filter((f) => f.startsWith(dir))).toEqual([join(dir, "rt-link.ts"), join(dir, "fine.ts"), join(dir, "index.ts")]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("marks project modules as project-written and keeps prose out of the specs", () => {
    for (const f of projectSpecFiles()) {
      const text = readFileSync(`${PROJECT_SPEC_DIR}/${f}`, "utf8");
      expect(text, f).not.toMatch(/^\s*-?\s*doc:/m);
    }
    const files = render([loadProjectSpec(`${PROJECT_SPEC_DIR}/sock-diag.yaml`), loadProjectSpec(`${PROJECT_SPEC_DIR}/taskstats.yaml`)]);
    expect(files.find((x) => x.path.endsWith("/sock-diag.ts"))!.content.split("\n")[0]).toContain("from specs/families/sock-diag.yaml (project-written)");
    expect(files.find((x) => x.path.endsWith("families.md"))!.content).toContain("[specs/families/taskstats.yaml](../specs/families/taskstats.yaml) (project-written)");
  });
});
