// Drive the built latticesurgery.com web client in headless Chromium, in its Litinski mode, as a
// user would: choose the mode, (un)tick the transform, upload a circuit, open "View Compilation".
// Run by test_web_client.py:
//   node drive_client.mjs '{"page": URL, "circuit": PATH, "transform": BOOL, "screenshot": PATH,
//                          "chromium": PATH}'
// Prints one JSON line: {"stages": [{"name", "content"}], "error": {"title", "message"} | null}.
import { createRequire } from "node:module"
import path from "node:path"

const config = JSON.parse(process.argv[2])
// playwright-core is installed beside the client build (build_client.py), not in this repo.
const require = createRequire(path.join(config.driver, "package.json"))
const { chromium } = require("playwright-core")

const FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

const browser = await chromium.launch({ executablePath: config.chromium, args: FLAGS })
try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const consoleErrors = []
    page.on("pageerror", (error) => consoleErrors.push(String(error)))
    await page.goto(config.page, { waitUntil: "networkidle" })

    // The mode select's options act on click (React onClick on <option>), not on change.
    const litinski = page.locator("option", { hasText: "Litinski style compilation" })
    await litinski.waitFor({ state: "attached", timeout: 60000 })
    await page.evaluate(() => {
        const option = [...document.querySelectorAll("option")].find((o) =>
            o.textContent.includes("Litinski style compilation")
        )
        option.parentElement.value = option.value
        option.dispatchEvent(new MouseEvent("click", { bubbles: true }))
    })
    const transform = page.getByText("Pi/4 removing transform")
    await transform.waitFor()
    const checkbox = page.locator("input[type=checkbox]").first()
    if ((await checkbox.isChecked()) !== config.transform) await transform.click()

    await page.locator("input[type=file]").setInputFiles(config.circuit)

    const success = page.getByText("View Compilation")
    const failure = page.locator("[role=alert]")
    await Promise.race([
        success.waitFor({ timeout: 120000 }),
        failure.waitFor({ timeout: 120000 }),
    ])
    let error = null
    let stages = []
    if (await failure.count()) {
        const text = await failure.innerText()
        const [title, ...rest] = text.split("\n")
        error = { title, message: rest.join("\n") }
        await page.screenshot({ path: config.screenshot, fullPage: true })
    } else {
        await success.click() // the label of the "View Compilation" switch
        const boxes = page.locator(".box-hover")
        await boxes.first().waitFor()
        stages = await boxes.evaluateAll((nodes) =>
            nodes.map((node) => ({
                name: node.querySelector(".line-1").textContent,
                content: node.querySelector("pre").textContent,
            }))
        )
        await boxes.first().scrollIntoViewIfNeeded()
        await page.screenshot({ path: config.screenshot, fullPage: true })
        // Each box on its own too (the page gets very wide): NAME.input-circuit.png, ...
        for (let i = 0; i < stages.length; i++) {
            const slug = stages[i].name.toLowerCase().replace(/ /g, "-")
            await boxes.nth(i).screenshot({ path: config.screenshot.replace(/\.png$/, `.${slug}.png`) })
        }
    }
    console.log(JSON.stringify({ stages, error, pageErrors: consoleErrors }))
} finally {
    await browser.close()
}
