// A real headless Chromium (Debian's) driven by playwright-core, for dashboard tests.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'
import { repoRoot } from '../helpers.ts'

export const artifactsDir = join(repoRoot, 'test-artifacts')
const CHROMIUM = process.env.PEERDRIVE_CHROMIUM ?? '/usr/bin/chromium'

export async function openBrowser(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  t.after(() => browser.close())
  return browser
}

/** Records every value the sync badge takes, so a short "syncing" is not missed between two looks. */
export async function recordSyncStates(page: Page): Promise<() => Promise<string[]>> {
  // a script string: this file is type-checked for Node, the code runs in the page
  await page.evaluate(`(() => {
    const seen = (window.syncStates = [])
    const note = () => {
      const state = document.querySelector('[data-testid="sync-state"]')?.getAttribute('data-state')
      if (state && seen[seen.length - 1] !== state) seen.push(state)
    }
    note()
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    })
  })()`)
  return () => page.evaluate('window.syncStates.slice()') as Promise<string[]>
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true })
  const path = join(artifactsDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
