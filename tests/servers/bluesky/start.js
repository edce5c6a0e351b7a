// A real Bluesky PDS on 127.0.0.1 for umt's tests: node start.js PORT DATA_DIR [rate-limits]
// Its DID directory is an in-memory PLC server, also on 127.0.0.1. Prints "ready <url>" once it
// answers; stops cleanly on SIGTERM, or when its standard input closes (the test process died).
// (@atproto/dev-env's own helpers listen on every interface, hence this script.)
const { once } = require('node:events')
const pds = require('@atproto/pds')
const plc = require('@did-plc/server')
const crypto = require('@atproto/crypto')

async function main() {
  const [port, dataDir, limits] = [Number(process.argv[2]), process.argv[3], process.argv[4]]
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock() })
  const plcHttp = plcServer.app.listen(0, '127.0.0.1')
  await once(plcHttp, 'listening')
  const rotationKey = await crypto.Secp256k1Keypair.create({ exportable: true })
  const env = {
    port, hostname: 'localhost', devMode: true, version: '0.0.0',
    dataDirectory: dataDir, blobstoreDiskLocation: `${dataDir}/blobs`,
    didPlcUrl: `http://127.0.0.1:${plcHttp.address().port}`,
    serviceHandleDomains: ['.test'], inviteRequired: false,
    rateLimitsEnabled: limits === 'rate-limits',
    jwtSecret: 'umt-test-jwt-secret', adminPassword: 'umt-test-admin',
    plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString('hex'),
  }
  const server = await pds.PDS.create(pds.envToCfg(env), pds.envToSecrets(env))
  await server.ctx.sequencer.start()
  const http = server.app.listen(port, '127.0.0.1')
  await once(http, 'listening')
  console.log(`ready http://127.0.0.1:${port}`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    http.close()
    http.closeAllConnections()
    plcHttp.close()
    plcHttp.closeAllConnections()
    await server.ctx.sequencer.destroy()
    await server.ctx.backgroundQueue.destroy()
    await server.ctx.accountManager.close()
    process.exit(0)
  }
  process.once('SIGTERM', stop)
  process.stdin.on('end', stop)
  process.stdin.resume()
}

main().catch((error) => { console.error(error); process.exit(1) })
