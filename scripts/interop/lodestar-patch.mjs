// Our patches of the Lodestar 1.5.1 install in build/interop/lodestar, applied
// by scripts/install-interop.sh after ../shared/interop/lodestar/patch.mjs
// (postinstall). Each is idempotent (a marker says it is applied).
//
// 1) Muxers: what Lodestar offers and accepts follows INTEROP_MUXERS, a
//    comma-separated list in preference order ("yamux,mplex" when unset, as
//    patch.mjs configures). INTEROP_MUXERS=mplex or =yamux forces one, so a
//    test shows that libp2pc interoperates over each. (Not LODESTAR_*: Lodestar
//    reads such variables as command-line options.)
// 2) Blocks as SSZ: 1.5.1 answers GET /eth/v2/beacon/blocks/{id} in JSON only;
//    with `Accept: application/octet-stream` it now returns the SSZ
//    SignedBeaconBlock of the block's fork (and an Eth-Consensus-Version
//    header), as later Lodestar releases and the beacon API spec do.
import fs from 'fs'

function patch (file, from, to, marker) {
  const s = fs.readFileSync(file, 'utf8')
  if (s.includes(marker)) return
  if (typeof from === 'string' ? !s.includes(from) : !from.test(s)) throw new Error(`patch target not found in ${file}: ${from}`)
  fs.writeFileSync(file, s.replace(from, to))
  console.log('patched', file)
}

patch('node_modules/@lodestar/beacon-node/lib/network/nodejs/bundle.js',
  'streamMuxers: [yamux({ maxInboundStreams: 256 }), mplex({ maxInboundStreams: 256 })]',
  'streamMuxers: (process.env.INTEROP_MUXERS || "yamux,mplex").split(",").map((m) => ({ yamux, mplex })[m.trim()]({ maxInboundStreams: 256 }))',
  'INTEROP_MUXERS')

patch('node_modules/@lodestar/api/lib/beacon/server/beacon.js',
  /    \/\/ All routes return JSON, use a server auto-generator\n    return getGenericJsonServer\(\{ routesData, getReturnTypes, getReqSerializers \}, config, api\);/,
  `    // libp2pc interop patch: getBlockV2 returns SSZ when asked for application/octet-stream
    const serverRoutes = getGenericJsonServer({ routesData, getReturnTypes, getReqSerializers }, config, api);
    const reqSerializers = getReqSerializers(config);
    const jsonHandler = serverRoutes.getBlockV2.handler;
    return {
        ...serverRoutes,
        getBlockV2: {
            ...serverRoutes.getBlockV2,
            handler: async function handler(req, resp) {
                if (!String(req.headers.accept || "").includes("application/octet-stream")) {
                    return jsonHandler.call(this, req, resp);
                }
                const res = await api.getBlockV2(...reqSerializers.getBlockV2.parseReq(req));
                resp.header("Eth-Consensus-Version", res.version);
                resp.header("Content-Type", "application/octet-stream");
                return Buffer.from(ssz[res.version].SignedBeaconBlock.serialize(res.data));
            },
        },
    };`,
  'libp2pc interop patch')
patch('node_modules/@lodestar/api/lib/beacon/server/beacon.js',
  'import { getGenericJsonServer } from "../../utils/server/index.js";',
  'import { getGenericJsonServer } from "../../utils/server/index.js";\nimport { ssz } from "@lodestar/types";',
  '@lodestar/types')
