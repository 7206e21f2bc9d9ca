import { z } from "zod";

/**
 * Headers of a `vigil.raw.web` record (key: the shipping host). Lines of a
 * file (`apache-access`, `apache-error`, `netfilter`) carry their source
 * coordinates, like raw mail records; samples carry one JSON array of
 * connections (`conn-sample`) or one resolution (`resolution`).
 */
export const RawWebHeadersSchema = z
  .object({
    kind: z.enum(["apache-access", "apache-error", "netfilter", "conn-sample", "resolution"]),
    host: z.string().min(1).describe("the shipping web server"),
    path: z.string().optional(),
    source: z
      .string()
      .regex(/^[0-9a-f]{16}$/, "a 16-hex-digit source fingerprint")
      .optional(),
    inode: z.string().regex(/^\d+$/).optional(),
    offset: z.string().regex(/^\d+$/).optional(),
    format: z.string().optional().describe("apache-access: the format name or LogFormat string"),
    vhost: z.string().optional().describe("apache-access: the vhost of formats without %v"),
  })
  .strict();
export type RawWebHeaders = z.infer<typeof RawWebHeadersSchema>;
