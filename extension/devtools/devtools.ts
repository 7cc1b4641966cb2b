/** The DevTools page: adds the Realtime panel to every DevTools window. */
import browser from 'webextension-polyfill'

void browser.devtools.panels.create('Realtime', '', '/extension/panel/panel.html')
