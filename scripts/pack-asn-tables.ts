/**
 * Build step (`npm run build`): packs the offline database's IPv4 tables into the binary file the
 * compiled asn-database.js reads at start (processors/account-ips/ipv4-tables-file.ts).
 */
import { asnPackageDirs, readIpv4TablesCsv } from "../processors/account-ips/asn-database.js";
import { IPV4_TABLES_FILE, ipv4TablesStamp, writeIpv4TablesFile } from "../processors/account-ips/ipv4-tables-file.js";

const { asnDir, countryDir } = asnPackageDirs();
writeIpv4TablesFile(IPV4_TABLES_FILE, readIpv4TablesCsv(asnDir, countryDir), ipv4TablesStamp(asnDir, countryDir));
