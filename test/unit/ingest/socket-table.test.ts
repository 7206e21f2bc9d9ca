import { describe, expect, test } from "vitest";
import { NETFILTER_PREFIX, parseNetfilterLine } from "../../../ingest/netfilter-log.js";
import { outboundConnections, parseProcNetTcpLine, parseSsLine } from "../../../ingest/socket-table.js";

const SS = [
  'LISTEN 0      511      0.0.0.0:80      0.0.0.0:*     users:(("apache2",pid=900,fd=4)) ino:1000 sk:1 cgroup:/ <->',
  'ESTAB  0      0      10.0.0.2:80     203.0.113.9:51234 users:(("apache2",pid=901,fd=10)) uid:33 ino:1001 sk:2 cgroup:/ <->',
  'ESTAB  0      0      10.0.0.2:43210  198.51.100.80:443 users:(("apache2",pid=902,fd=11)) uid:33 ino:1002 sk:3 cgroup:/ <->',
  'SYN-SENT 0    1      10.0.0.2:43211  198.51.100.80:80 users:(("php-fpm8.2",pid=903,fd=7)) uid:33 ino:1003 sk:4 cgroup:/ <->',
  "ESTAB  0      0      [2001:db8::2]:50000 [2001:db8:0:0::99]:3306 ino:1004 sk:5 cgroup:/ <->",
  "TIME-WAIT 0   0      10.0.0.2:43000  198.51.100.80:80",
];

describe("socket tables", () => {
  test("ss -tanpeH lines: addresses, process, uid; outbound are those not accepted on a listening port", () => {
    const rows = SS.map(parseSsLine);
    expect(rows[2]).toEqual({
      state: "ESTAB",
      local: "10.0.0.2",
      localPort: 43210,
      peer: "198.51.100.80",
      peerPort: 443,
      process: "apache2",
      pid: 902,
      uid: 33,
      inode: 1002,
    });
    expect(rows[4]).toMatchObject({
      local: "2001:db8::2",
      peer: "2001:db8::99",
      peerPort: 3306,
      process: "",
      pid: -1,
      uid: -1,
    });
    const outbound = outboundConnections(rows.filter((row) => row !== null));
    expect(outbound.map((row) => `${row.peer}:${row.peerPort} ${row.state}`)).toEqual([
      "198.51.100.80:443 ESTAB",
      "198.51.100.80:80 SYN-SENT",
      "2001:db8::99:3306 ESTAB",
    ]);
    expect(parseSsLine("garbage")).toBeNull();
  });

  test("/proc/net/tcp and tcp6 lines", () => {
    expect(
      parseProcNetTcpLine(
        "   1: 0200000A:A8CA 506433C6:01BB 01 00000000:00000000 00:00000000 00000000    33        0 1002 1 0000000000000000 20 4 30 10 -1",
      ),
    ).toMatchObject({
      state: "ESTAB",
      local: "10.0.0.2",
      localPort: 43210,
      peer: "198.51.100.80",
      peerPort: 443,
      uid: 33,
      inode: 1002,
    });
    expect(
      parseProcNetTcpLine(
        "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 100 0 0 10 0",
      ),
    ).toMatchObject({ state: "LISTEN", local: "::1", localPort: 8080 });
    expect(parseProcNetTcpLine("  sl  local_address rem_address   st tx_queue")).toBeNull();
  });

  test("netfilter LOG lines with Vigil's prefix", () => {
    const line = `Dec  2 09:00:00 web1 kernel: [12345.678901] ${NETFILTER_PREFIX}IN= OUT=eth0 SRC=10.0.0.2 DST=198.51.100.80 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=43210 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0 UID=33 GID=33`;
    expect(parseNetfilterLine(line)).toEqual({
      src: "10.0.0.2",
      srcPort: 43210,
      dst: "198.51.100.80",
      dstPort: 80,
      uid: 33,
      protocol: "TCP",
    });
    expect(parseNetfilterLine("Dec  2 09:00:00 web1 kernel: something else")).toBeNull();
    expect(parseNetfilterLine(`kernel: ${NETFILTER_PREFIX}IN= OUT=eth0 SRC=x`)).toHaveProperty("unparsed");
  });
});
